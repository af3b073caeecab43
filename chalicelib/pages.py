"""Read path: gather what each page type shows. Runs no Markdown; touches storage only."""

from __future__ import annotations

import itertools
import math
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from chalicelib import search, urls
from chalicelib.models import ListingPage, MenuEntry, PostSummary, Term, TermCount
from chalicelib.monthgrid import MonthCalendar, build_calendar
from chalicelib.storage import ALL_POSTS, BlogStore, category_listing, tag_listing

RECENT_POSTS = 5
RELATED_POSTS = 3
RELATED_TAGS_READ = 2
MENU_CATEGORIES = 6
# Longer values cannot name anything stored (slugs and terms are capped at 100
# characters) and would exceed DynamoDB's key size limits.
MAX_PATH_PARAMETER = 400
_CURSOR = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d#\d{4}/\d\d/[\w-]{1,100}$")
_YEAR = re.compile(r"^\d{4}$")
_TWO_DIGITS = re.compile(r"^\d{2}$")
_DAY = re.compile(r"^\d{1,2}$")


class NotFound(Exception):
    """Nothing lives at the requested path."""


@dataclass(frozen=True)
class Cursor:
    """Where a paginated listing starts: before or after a sort key, or at the top."""

    before: str | None = None
    after: str | None = None

    @classmethod
    def from_query(cls, params: dict[str, str]) -> Cursor:
        """Read ``before``/``after`` query parameters, ignoring malformed ones."""
        before, after = params.get("before", ""), params.get("after", "")
        if _CURSOR.match(before):
            return cls(before=before)
        return cls(after=after) if _CURSOR.match(after) else cls()


@dataclass(frozen=True)
class CloudTag:
    """A tag in the sidebar cloud, weighted 1 to 5 by its post count."""

    term: Term
    count: int
    weight: int


@dataclass(frozen=True)
class Sidebar:
    """Everything around the content column."""

    categories: list[TermCount]
    tags: list[CloudTag]
    calendar: MonthCalendar
    recent: tuple[PostSummary, ...]
    menu: list[TermCount]
    pages: list[MenuEntry]


@dataclass(frozen=True)
class PageView:
    """A page to render: its template, its title and the data the template shows."""

    template: str
    title: str
    sidebar: Sidebar
    data: dict[str, Any] = field(default_factory=dict)
    status: int = 200
    path: str | None = None
    description: str = ""
    feed_path: str = ""
    last_modified: datetime | None = None


def home_page(store: BlogStore, cursor: Cursor, per_page: int) -> PageView:
    """Show all posts, most recent first."""
    listing = store.list_posts(ALL_POSTS, before=cursor.before, after=cursor.after, limit=per_page)
    recent = None if cursor.before or cursor.after else listing.posts[:RECENT_POSTS]
    sidebar = build_sidebar(store, None, recent)
    data = {"listing": listing, "path": "/"}
    return PageView("home.html", "", sidebar, data, path="/", feed_path="/feed/")


def post_page(store: BlogStore, year: str, month: str, slug: str) -> PageView:
    """Show one post with links to its neighbours."""
    _require_month(year, month)
    _require_length(slug)
    stored = store.get_post(f"{year}/{month}/{slug}")
    if stored is None:
        raise NotFound(f"no post {year}/{month}/{slug}")
    older, newer = store.neighbours(stored.summary.sort_key)
    sidebar = build_sidebar(store, (int(year), int(month)))
    data = {"post": stored.summary, "html": stored.html, "via": stored.via}
    data.update(older=older, newer=newer, related=related_posts(store, stored.summary))
    return PageView(
        "post.html",
        stored.summary.title,
        sidebar,
        data,
        path=urls.post_path(stored.summary.post_id),
        description=stored.summary.summary,
        last_modified=stored.updated,
    )


def related_posts(store: BlogStore, post: PostSummary) -> tuple[PostSummary, ...]:
    """Find posts sharing the most tags with this one (reading two tags' listings)."""
    candidates: dict[str, PostSummary] = {}
    for tag in post.tags[:RELATED_TAGS_READ]:
        for other in store.list_posts(tag_listing(tag.key), limit=RELATED_POSTS + 1).posts:
            if other.post_id != post.post_id:
                candidates[other.post_id] = other
    own = {t.key for t in post.tags}

    def shared(other: PostSummary) -> int:
        return len(own & {t.key for t in other.tags})

    newest_first = sorted(candidates.values(), key=lambda p: p.sort_key, reverse=True)
    return tuple(sorted(newest_first, key=shared, reverse=True)[:RELATED_POSTS])


def date_archive_page(
    store: BlogStore, cursor: Cursor, per_page: int, year: str, month: str = "", day: str = ""
) -> PageView:
    """Show the posts of one year, month or day."""
    when = _archive_date(year, month, day)
    if day:
        prefix, title = f"{when:%Y-%m-%d}T", f"{when.day} {when:%B %Y}"
    elif month:
        prefix, title = f"{when:%Y-%m}-", f"{when:%B %Y}"
    else:
        prefix, title = f"{when:%Y}-", f"{when:%Y}"
    listing = _nonempty(store.list_posts(ALL_POSTS, prefix, cursor.before, cursor.after, per_page))
    in_view = (when.year, when.month) if month else _month_of(listing.posts[0])
    path = urls.archive_path(when.year, when.month if month else None, when.day if day else None)
    data = {"listing": listing, "heading": title, "path": path}
    sidebar = build_sidebar(store, in_view)
    return PageView(
        "archive.html", title, sidebar, data, path=path, description=f"Posts of {title}"
    )


def year_or_static_page(store: BlogStore, cursor: Cursor, per_page: int, part: str) -> PageView:
    """Serve ``/{part}/``: a year archive for four digits, else a static page."""
    if _YEAR.match(part):
        return date_archive_page(store, cursor, per_page, part)
    _require_length(part)
    page = store.get_page(part)
    if page is None:
        raise NotFound(f"no page {part}")
    data = {"static_page": page}
    path = urls.page_path(page.slug)
    sidebar = build_sidebar(store, None)
    return PageView("page.html", page.title, sidebar, data, path=path, description=page.summary)


def day_or_post_page(
    store: BlogStore, cursor: Cursor, per_page: int, year: str, month: str, part: str
) -> PageView:
    """Serve ``/yyyy/mm/{part}/``: a day archive when part is a day, else a permalink."""
    if _DAY.match(part):
        return date_archive_page(store, cursor, per_page, year, month, part)
    return post_page(store, year, month, part)


def tag_page(store: BlogStore, cursor: Cursor, per_page: int, key: str) -> PageView:
    """Show the posts carrying one tag."""
    return _term_page(store, cursor, per_page, tag_listing(key), key, "tags")


def category_page(store: BlogStore, cursor: Cursor, per_page: int, key: str) -> PageView:
    """Show the posts filed under one category."""
    return _term_page(store, cursor, per_page, category_listing(key), key, "categories")


def not_found_page(store: BlogStore) -> PageView:
    """Show the 404 page, with the usual sidebar to help the reader on."""
    return PageView("404.html", "Not found", build_sidebar(store, None), status=404)


def build_sidebar(
    store: BlogStore,
    month_in_view: tuple[int, int] | None,
    recent: tuple[PostSummary, ...] | None = None,
) -> Sidebar:
    """Gather the categories, tag cloud, calendar and recent posts."""
    categories, tags, months, menu_pages = store.site_index()
    if recent is None:
        recent = store.list_posts(ALL_POSTS, limit=RECENT_POSTS).posts
    if month_in_view is None:
        latest = months[-1] if months else date.today().strftime("%Y-%m")
        month_in_view = int(latest[:4]), int(latest[5:7])
    year, month = month_in_view
    days = store.days_with_posts(year, month)
    menu = sorted(categories, key=lambda c: -c.count)[:MENU_CATEGORIES]
    return Sidebar(
        categories=sorted(categories, key=lambda c: c.term.name.casefold()),
        tags=tag_cloud(tags),
        calendar=build_calendar(year, month, days, months),
        recent=recent,
        menu=sorted(menu, key=lambda c: c.term.name.casefold()),
        pages=menu_pages,
    )


def tag_cloud(tags: list[TermCount]) -> list[CloudTag]:
    """Weight tags 1 to 5 on a log scale of their counts, in name order."""
    if not tags:
        return []
    top = max(t.count for t in tags)
    scale = math.log(top) if top > 1 else 1.0
    return [
        CloudTag(t.term, t.count, 1 + round(4 * math.log(t.count) / scale))
        for t in sorted(tags, key=lambda t: t.term.name.casefold())
    ]


def _term_page(
    store: BlogStore, cursor: Cursor, per_page: int, partition: str, key: str, field_name: str
) -> PageView:
    _require_length(key)
    listing = _nonempty(store.list_posts(partition, "", cursor.before, cursor.after, per_page))
    name = _term_name(listing.posts[0], field_name, key)
    sidebar = build_sidebar(store, None)
    if field_name == "tags":
        heading, path = f"Tag: {name}", urls.tag_path(key)
    else:
        heading, path = f"Category: {name}", urls.category_path(key)
    data = {"listing": listing, "heading": heading, "path": path}
    description = f"Posts filed under {name}"
    return PageView(
        "archive.html",
        heading,
        sidebar,
        data,
        path=path,
        description=description,
        feed_path=f"{path}feed/",
    )


def _nonempty(listing: ListingPage) -> ListingPage:
    if not listing.posts:
        raise NotFound("empty listing")
    return listing


def _month_of(post: PostSummary) -> tuple[int, int]:
    return post.published.year, post.published.month


def _require_length(value: str) -> None:
    if len(value) > MAX_PATH_PARAMETER:
        raise NotFound("path parameter too long")


def _require_month(year: str, month: str) -> None:
    if not (_YEAR.match(year) and _TWO_DIGITS.match(month) and 1 <= int(month) <= 12):
        raise NotFound(f"no month {year}/{month}")


def _archive_date(year: str, month: str, day: str) -> date:
    if not _YEAR.match(year) or (month and not _TWO_DIGITS.match(month)):
        raise NotFound("not a date archive")
    if day and not _DAY.match(day):
        raise NotFound("not a day")
    try:
        return date(int(year), int(month or 1), int(day or 1))
    except ValueError as exc:
        raise NotFound("no such date") from exc


FEED_ENTRIES = 20
SITEMAP_LIMIT = 50_000


@dataclass(frozen=True)
class Feed:
    """The newest posts of a listing, for RSS and Atom."""

    title: str
    path: str
    posts: tuple[PostSummary, ...]

    @property
    def updated(self) -> datetime | None:
        """Return when the newest entry was published."""
        return self.posts[0].published if self.posts else None


def site_feed(store: BlogStore) -> Feed:
    """Feed the newest posts of the whole blog."""
    return Feed("", "/", store.list_posts(ALL_POSTS, limit=FEED_ENTRIES).posts)


def tag_feed(store: BlogStore, key: str) -> Feed:
    """Feed the newest posts carrying a tag."""
    return _term_feed(store, tag_listing(key), key, "tags", urls.tag_path(key))


def category_feed(store: BlogStore, key: str) -> Feed:
    """Feed the newest posts filed under a category."""
    return _term_feed(store, category_listing(key), key, "categories", urls.category_path(key))


def sitemap_entries(store: BlogStore) -> list[tuple[str, datetime | None]]:
    """List every page worth indexing with its last change, the home page first."""
    posts = list(itertools.islice(store.all_posts(ALL_POSTS), SITEMAP_LIMIT - 1))
    entries: list[tuple[str, datetime | None]] = [("/", posts[0].published if posts else None)]
    entries += [(urls.post_path(p.post_id), p.published) for p in posts]
    categories, tags, _, menu = store.site_index()
    entries += [(urls.page_path(p.slug), None) for p in menu]
    entries += [(urls.category_path(c.term.key), None) for c in categories]
    entries += [(urls.tag_path(t.term.key), None) for t in tags]
    return entries[:SITEMAP_LIMIT]


def _term_feed(store: BlogStore, partition: str, key: str, field_name: str, path: str) -> Feed:
    _require_length(key)
    posts = _nonempty(store.list_posts(partition, limit=FEED_ENTRIES)).posts
    return Feed(_term_name(posts[0], field_name, key), path, posts)


def _term_name(post: PostSummary, field_name: str, key: str) -> str:
    """Return the display name of a tag or category key, as a post carrying it spells it."""
    terms: tuple[Term, ...] = getattr(post, field_name)
    return next((t.name for t in terms if t.key == key), key)


SEARCH_RESULTS = 50


def search_page(store: BlogStore, query: str, page: int, per_page: int) -> PageView:
    """Show the posts that best match a query, with the query's words marked."""
    query = " ".join(query[: search.MAX_QUERY_CHARS].split())
    terms = search.query_terms(query)
    ranked = search.rank(store.postings(terms), store.total_posts()) if terms else []
    ranked = ranked[:SEARCH_RESULTS]
    pages = max(1, math.ceil(len(ranked) / per_page))
    page = min(max(page, 1), pages)
    shown = store.summaries(ranked[(page - 1) * per_page : page * per_page])
    data = {
        "query": query,
        "results": [(post, search.highlight(post.summary, query)) for post in shown],
        "total": len(ranked),
        "page_number": page,
        "pages": pages,
    }
    title = f"Search: {query}" if query else "Search"
    return PageView("search.html", title, build_sidebar(store, None), data)
