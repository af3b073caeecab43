"""The read side: everything a page view asks of the table. Reads only, never a Scan."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime

from chalicelib.models import (
    MAX_STICKY_POSTS,
    Layout,
    Listing,
    MenuEntry,
    PostSummary,
    Preview,
    SiteIndex,
    StaticPage,
    StoredPost,
    Term,
    TermCount,
)
from chalicelib.search import Posting
from chalicelib.storage.items import (
    days_from_item,
    layout_from_item,
    page_from_item,
    post_from_item,
    preview_from_item,
    redirect_from_item,
    summary_from_item,
)
from chalicelib.storage.keys import (
    ALL_POSTS,
    COUNTS,
    GENERATION,
    ITEM,
    LAYOUT,
    SORT_KEY_MAX,
    STICKY_POSTS,
    days_item,
    page_item,
    post_item,
    preview_item,
    redirect_item,
    term_postings,
)
from chalicelib.storage.records import RedirectTarget
from chalicelib.storage.table import Table

RECENT_POSTS = 5
POSTINGS_PER_TERM = 1000


@dataclass(frozen=True)
class PageData:
    """What one BatchGetItem fetched for a page: the layout and the items asked for."""

    layout: Layout
    days: frozenset[int] = frozenset()
    post: StoredPost | None = None
    static_page: StaticPage | None = None


class ReadStore:
    """Posts, listings, the layout and search postings, as pages read them."""

    def __init__(self, table: Table, load_body: Callable[[str], str] | None = None) -> None:
        self._table = table
        # Reads a body stored outside its item (see storage/bodies.py); pages need it.
        self._load_body = load_body

    def get_post(self, post_id: str) -> StoredPost | None:
        """Return a post for its permalink page."""
        item = self._table.get(post_item(post_id))
        return None if item is None else self._with_body(post_from_item(item))

    def post_summary(self, post_id: str) -> PostSummary | None:
        """Return a post's listing summary; a body stored in S3 is not read."""
        item = self._table.get(post_item(post_id))
        return None if item is None else summary_from_item(item)

    def page_data(
        self, month: str | None = None, post_id: str | None = None, page_slug: str | None = None
    ) -> PageData:
        """Fetch the layout, a month's calendar days and a post or page in one BatchGetItem.

        ``page_slug`` is a static page's path: ``about``, or ``about/team`` when nested.
        """
        wanted = {"layout": LAYOUT}
        if month:
            wanted["days"] = days_item(month)
        if post_id:
            wanted["post"] = post_item(post_id)
        if page_slug:
            wanted["page"] = page_item(page_slug)
        fetched = self._table.batch_get([(pk, ITEM) for pk in wanted.values()])
        found = {name: fetched[(pk, ITEM)] for name, pk in wanted.items() if (pk, ITEM) in fetched}
        post, page = found.get("post"), found.get("page")
        return PageData(
            layout=layout_from_item(found["layout"]) if "layout" in found else Layout(),
            days=days_from_item(found["days"]) if "days" in found else frozenset(),
            post=self._with_body(post_from_item(post)) if post else None,
            static_page=page_from_item(page) if page else None,
        )

    def preview_data(self, token: str) -> tuple[Layout, Preview | None]:
        """Fetch the layout and the preview a token opens, if any, in one BatchGetItem."""
        wanted = preview_item(token)
        fetched = self._table.batch_get([(LAYOUT, ITEM), (wanted, ITEM)])
        layout = fetched.get((LAYOUT, ITEM))
        item = fetched.get((wanted, ITEM))
        preview = None if item is None else preview_from_item(item)
        if preview is not None and preview.post is not None:
            preview = replace(preview, post=self._with_body(preview.post))
        return (Layout() if layout is None else layout_from_item(layout)), preview

    def layout_and_link(self, partition: str) -> tuple[Layout, bool]:
        """Fetch the layout and whether a mail's link item exists, in one BatchGetItem."""
        fetched = self._table.batch_get([(LAYOUT, ITEM), (partition, ITEM)])
        layout = fetched.get((LAYOUT, ITEM))
        found = (partition, ITEM) in fetched
        return (Layout() if layout is None else layout_from_item(layout)), found

    def redirect(self, old_path: str) -> RedirectTarget | None:
        """Return the post or page an old address now leads to, if any (one GetItem)."""
        item = self._table.get(redirect_item(old_path))
        return None if item is None else redirect_from_item(item)

    def first_redirect(self, old_paths: list[str]) -> tuple[str, RedirectTarget] | None:
        """Return the first of these old addresses that leads somewhere, and where.

        One GetItem for one address, one BatchGetItem for several.
        """
        if len(old_paths) == 1:
            target = self.redirect(old_paths[0])
            return None if target is None else (old_paths[0], target)
        found = self._table.batch_get([(redirect_item(path), ITEM) for path in old_paths])
        for path in old_paths:
            item = found.get((redirect_item(path), ITEM))
            if item is not None:
                return path, redirect_from_item(item)
        return None

    def get_layout(self) -> Layout:
        """Return the stored layout (one GetItem); empty before anything is published."""
        item = self._table.get(LAYOUT)
        return Layout() if item is None else layout_from_item(item)

    def generation(self) -> int:
        """Return how many post and page changes the table has committed (consistent)."""
        item = self._table.get(GENERATION, consistent=True)
        return int(item["gen"]) if item else 0

    def site_index(self) -> tuple[int, SiteIndex]:
        """Read what the layout is built from, after the generation it reflects (consistent)."""
        generation = self.generation()
        categories: list[TermCount] = []
        tags: list[TermCount] = []
        months: list[str] = []
        menu: list[MenuEntry] = []
        empty: list[str] = []
        total = 0
        for item in self._table.query(COUNTS, consistent=True):
            kind, _, key = item["sk"].partition("#")
            if item["n"] <= 0:
                empty.append(item["sk"])
                continue
            if kind == "menu":
                menu.append(MenuEntry(key.split("#", 1)[1], item["name"]))
            elif kind == "month":
                months.append(key)
                total += int(item["n"])
            elif kind == "tag":
                tags.append(TermCount(Term(key, item["name"]), int(item["n"])))
            else:
                parent = str(item.get("parent", ""))  # the category it nests under, if any
                categories.append(TermCount(Term(key, item["name"], parent), int(item["n"])))
        recent = self._summaries_between(ALL_POSTS, "0", SORT_KEY_MAX, True, RECENT_POSTS, True)
        latest = self._table.get(days_item(months[-1]), consistent=True) if months else None
        index = SiteIndex(
            categories=tuple(categories),
            tags=tuple(tags),
            months=tuple(months),
            pages=tuple(menu),
            recent=tuple(recent),
            latest_days=days_from_item(latest) if latest else frozenset(),
            total_posts=total,
            empty_counters=tuple(empty),
        )
        return generation, index

    def sticky_posts(self) -> tuple[PostSummary, ...]:
        """Return the newest sticky posts, at most ``MAX_STICKY_POSTS`` (one consistent Query)."""
        found = self._summaries_between(
            STICKY_POSTS, "0", SORT_KEY_MAX, True, MAX_STICKY_POSTS, True
        )
        return tuple(found)

    def list_posts(
        self,
        partition: str,
        prefix: str = "",
        before: str | None = None,
        after: str | None = None,
        limit: int = 10,
    ) -> Listing:
        """Return one page of a listing, newest first, starting at a cursor."""
        if after is not None:
            page = self._list_newer(partition, prefix, after, limit)
            if page is not None:
                return page
            before = None
        low, high = prefix or "0", (before or prefix + SORT_KEY_MAX)
        items = self._summaries_between(partition, low, high, True, limit + 2)
        items = [i for i in items if i.sort_key != before][: limit + 1]
        older = items[limit - 1].sort_key if len(items) > limit else None
        newer = items[0].sort_key if before is not None and items else None
        return Listing(tuple(items[:limit]), older=older, newer=newer)

    def _list_newer(self, partition: str, prefix: str, after: str, limit: int) -> Listing | None:
        high = prefix + SORT_KEY_MAX
        items = self._summaries_between(partition, after, high, False, limit + 2)
        items = [i for i in items if i.sort_key != after][: limit + 1]
        if len(items) <= limit:
            return None  # the newest posts: show the canonical first page instead
        shown = items[:limit]
        return Listing(tuple(reversed(shown)), older=shown[0].sort_key, newer=shown[-1].sort_key)

    def all_posts(self, partition: str) -> Iterator[PostSummary]:
        """Yield every post of a listing, newest first (a few pages of Query per 10,000)."""
        for item in self._table.query(partition, newest_first=True):
            yield summary_from_item(item)

    def post_dates(self, prefix: str) -> Iterator[tuple[str, datetime]]:
        """Yield the id and date of every post whose sort key starts with a date prefix."""
        items = self._table.query(
            ALL_POSTS, newest_first=True, prefix=prefix, projection="post_id, published"
        )
        for item in items:
            yield item["post_id"], datetime.fromisoformat(item["published"])

    def postings(self, terms: Iterable[str]) -> dict[str, list[Posting]]:
        """Return each term's postings: one Query a term, its newest 1,000 posts.

        A term in more posts than that is common enough that its BM25 weight is near
        zero; reading newest first keeps recent posts findable by it, and older ones
        are found by the query's rarer words (see docs/data-model.md).
        """
        found: dict[str, list[Posting]] = {}
        for term in terms:
            items = self._table.query(
                term_postings(term),
                newest_first=True,
                limit=POSTINGS_PER_TERM,
                projection="sk, w, #len",
                names={"#len": "len"},
            )
            found[term] = [Posting(item["sk"], int(item["w"]), int(item["len"])) for item in items]
        return found

    def summaries(self, sort_keys: list[str]) -> list[PostSummary]:
        """Return the listing summaries of up to 100 posts in one BatchGetItem, in order."""
        if not sort_keys:
            return []
        fetched = self._table.batch_get([(ALL_POSTS, sk) for sk in sort_keys[:100]])
        found = {s.sort_key: s for s in map(summary_from_item, fetched.values())}
        return [found[sk] for sk in sort_keys if sk in found]

    def _summaries_between(
        self,
        partition: str,
        low: str,
        high: str,
        newest_first: bool,
        limit: int,
        consistent: bool = False,
    ) -> list[PostSummary]:
        items = self._table.query(
            partition, (low, high), newest_first, limit=limit, consistent=consistent
        )
        return [summary_from_item(item) for item in items]

    def _with_body(self, post: StoredPost) -> StoredPost:
        if post.body_key is None or self._load_body is None:
            return post
        return replace(post, html=self._load_body(post.body_key))
