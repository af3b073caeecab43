"""Read path: gather what each page type shows. Runs no Markdown; touches storage only."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from chalicelib import search
from chalicelib.models import (
    Layout,
    Listing,
    PostSummary,
    StaticPage,
    StoredPost,
    Term,
    split_comments,
)
from chalicelib.site import media, oldurls, urls
from chalicelib.site.monthgrid import MonthCalendar, build_calendar
from chalicelib.storage.keys import ALL_POSTS, author_listing, category_listing, tag_listing
from chalicelib.storage.reads import ReadStore

# Longer values cannot name anything stored (slugs and terms are capped at 100
# characters) and would exceed DynamoDB's key size limits.
MAX_PATH_PARAMETER = 400
# ASCII digits (Python's \d also takes other scripts'); a slug is any word characters.
_CURSOR = re.compile(
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}#[0-9]{4}/[0-9]{2}/[\w-]{1,100}$"
)
_YEAR = re.compile(r"^\d{4}$", re.ASCII)
_TWO_DIGITS = re.compile(r"^\d{2}$", re.ASCII)
_DAY = re.compile(r"^\d{1,2}$", re.ASCII)
_ROUTE_PARAMETER = re.compile(r"\{(\w+)\}")
# The pages of a post split with <!--nextpage-->: /yyyy/mm/slug/2/ on. Page 1 is the
# permalink itself, so /slug/1/ and zero-padded numbers (/slug/02/) are not found. ASCII
# digits only: int() also reads "1٢" (Arabic-Indic) as 12, another address of one page.
_PART = re.compile(r"^(?:[2-9]|[1-9][0-9]{1,2})$")
MAX_OLD_ADDRESS_BYTES = 1000


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
class Sidebar:
    """Everything around the content column: the stored layout and a month's calendar."""

    layout: Layout
    calendar: MonthCalendar


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
    # A private preview: kept out of search engines and shared caches.
    private: bool = False


def home_page(reads: ReadStore, cursor: Cursor, per_page: int) -> PageView:
    """Show all posts, most recent first, sticky ones first on page 1 (a Query and a GetItem)."""
    listing = reads.list_posts(ALL_POSTS, before=cursor.before, after=cursor.after, limit=per_page)
    layout = reads.get_layout()
    # Only the first page (no newer posts): later pages are the plain listing, as in WordPress.
    sticky = layout.sticky if listing.newer is None else ()
    data = {
        "listing": sticky_first(listing, sticky),
        "path": "/",
        "featured": frozenset(p.post_id for p in sticky),
    }
    sidebar = with_calendar(layout)
    return PageView("home.html", "", sidebar, data, path="/", feed_path="/feed/")


def sticky_first(listing: Listing, sticky: tuple[PostSummary, ...]) -> Listing:
    """Put sticky posts first, the listing's others after; the cursors stay the listing's."""
    ids = {p.post_id for p in sticky}
    rest = tuple(p for p in listing.posts if p.post_id not in ids)
    return replace(listing, posts=sticky + rest)


def post_page(reads: ReadStore, year: str, month: str, slug: str, part: int = 1) -> PageView:
    """Show one post, or one page of it, with links to its neighbours (one BatchGetItem)."""
    _require_month(year, month)
    require_length(slug)
    fetched = reads.page_data(month=f"{year}-{month}", post_id=f"{year}/{month}/{slug}")
    stored = fetched.post
    if stored is None:
        raise NotFound(f"no post {year}/{month}/{slug}")
    sidebar = with_calendar(fetched.layout, f"{year}-{month}", fetched.days)
    path = urls.post_path(stored.summary.post_id)
    view = post_view(stored, sidebar, part, path)
    return replace(view, path=path if part == 1 else f"{path}{part}/")


def post_view(stored: StoredPost, sidebar: Sidebar, part: int, part_path: str) -> PageView:
    """Show page ``part`` of a post; its pages' links start with ``part_path``."""
    parts, comments = stored.parts()
    if part > len(parts):
        raise NotFound(f"post {stored.summary.post_id} has no page {part}")
    data = {"post": stored.summary, "html": parts[part - 1], "via": stored.via}
    data.update(comments=comments, part=part, parts=len(parts), part_path=part_path)
    data.update(older=stored.older, newer=stored.newer, related=stored.related)
    return PageView(
        "post.html",
        stored.summary.title,
        sidebar,
        data,
        description=stored.summary.summary,
        last_modified=stored.updated,
    )


def date_archive_page(
    reads: ReadStore, cursor: Cursor, per_page: int, year: str, month: str = "", day: str = ""
) -> PageView:
    """Show the posts of one year, month or day."""
    when = _archive_date(year, month, day)
    # The template names the date in the blog's language (archive.html).
    if day:
        prefix, kind = f"{when:%Y-%m-%d}T", "day"
    elif month:
        prefix, kind = f"{when:%Y-%m}-", "month"
    else:
        prefix, kind = f"{when:%Y}-", "year"
    listing = nonempty(reads.list_posts(ALL_POSTS, prefix, cursor.before, cursor.after, per_page))
    in_view = f"{when:%Y-%m}" if month else f"{listing.posts[0].published:%Y-%m}"
    path = urls.archive_path(when.year, when.month if month else None, when.day if day else None)
    data = {"listing": listing, "archive": {"kind": kind, "date": when}, "path": path}
    fetched = reads.page_data(month=in_view)
    sidebar = with_calendar(fetched.layout, in_view, fetched.days)
    return PageView("archive.html", when.isoformat(), sidebar, data, path=path)


def year_or_static_page(reads: ReadStore, cursor: Cursor, per_page: int, part: str) -> PageView:
    """Serve ``/{part}/``: a year archive for four digits, else a static page."""
    if _YEAR.match(part):
        return date_archive_page(reads, cursor, per_page, part)
    return static_page(reads, part)


def month_or_static_page(
    reads: ReadStore, cursor: Cursor, per_page: int, year: str, month: str
) -> PageView:
    """Serve ``/{year}/{month}/``: a month archive under a year, else a nested static page."""
    if _YEAR.match(year):
        return date_archive_page(reads, cursor, per_page, year, month)
    return static_page(reads, year, month)


def post_part_or_nested_page(reads: ReadStore, *parts: str) -> PageView:
    """Serve a four-part path: ``/yyyy/mm/slug/2/``, a post's second page, else a nested page.

    Other paths under a year are old addresses (/2019/03/15/hello/): not found here.
    """
    if not _YEAR.match(parts[0]):
        return static_page(reads, *parts)
    year, month, slug, number = parts
    if _DAY.match(slug) or not _PART.match(number):
        raise NotFound("no post or archive this deep")
    return post_page(reads, year, month, slug, int(number))


def static_page(reads: ReadStore, *parts: str) -> PageView:
    """Show the static page at ``/a/`` or, nested, ``/a/b/`` (one BatchGetItem).

    Paths whose first part is a year are the date archives' and posts': callers send
    only the others here.
    """
    # An encoded slash (/a%2Fb/) is one part: only /a/b/ itself serves the page a/b.
    if len(parts) > urls.MAX_PAGE_DEPTH or not all(parts) or any("/" in part for part in parts):
        raise NotFound("no page at this path")
    for part in parts:
        require_length(part)
    path = "/".join(parts)
    fetched = reads.page_data(page_slug=path)
    page = fetched.static_page
    if page is None:
        raise NotFound(f"no page {path}")
    view = page_view(page, with_calendar(fetched.layout))
    return replace(view, path=urls.page_path(page.slug))


def page_view(page: StaticPage, sidebar: Sidebar) -> PageView:
    """Show a static page with its comments."""
    body, comments = split_comments(media.page_media_links(page.html))
    data = {"static_page": replace(page, html=body), "comments": comments}
    return PageView("page.html", page.title, sidebar, data, description=page.summary)


def day_or_post_page(
    reads: ReadStore, cursor: Cursor, per_page: int, year: str, month: str, part: str
) -> PageView:
    """Serve ``/yyyy/mm/{part}/``: a day archive when part is a day, else a permalink.

    Without a year first, ``/a/b/c/`` is a nested static page.
    """
    if not _YEAR.match(year):
        return static_page(reads, year, month, part)
    if _DAY.match(part):
        return date_archive_page(reads, cursor, per_page, year, month, part)
    return post_page(reads, year, month, part)


def tag_page(reads: ReadStore, cursor: Cursor, per_page: int, key: str) -> PageView:
    """Show the posts carrying one tag."""
    return _term_page(reads, cursor, per_page, tag_listing(key), key, "tags")


def category_page(reads: ReadStore, cursor: Cursor, per_page: int, key: str) -> PageView:
    """Show the posts filed under one category."""
    return _term_page(reads, cursor, per_page, category_listing(key), key, "categories")


def author_page(reads: ReadStore, cursor: Cursor, per_page: int, key: str) -> PageView:
    """Show the posts one author wrote, by the byline's key."""
    require_length(key)
    listing = nonempty(
        reads.list_posts(author_listing(key), "", cursor.before, cursor.after, per_page)
    )
    author = listing.posts[0].author
    name = author.name if author else key
    path = urls.author_path(key)
    data = {"listing": listing, "archive": {"kind": "author", "name": name}, "path": path}
    sidebar = with_calendar(reads.get_layout())
    return PageView("archive.html", name, sidebar, data, path=path)


def old_address(route: str, params: Mapping[str, str], query: Mapping[str, str]) -> str:
    """Return the address a request asked for, in the form old addresses are stored.

    On the home page, the queries old blogs used: ``/?p=12``, ``/?page_id=7``, and
    those a rewrite rule knows, ``/?feed=rss2`` and ``/?tag=x`` (chalicelib/site/oldurls.py).
    """
    if route == "/":
        for name in urls.OLD_QUERY_PARAMETERS:
            value = query.get(name, "")
            # Python's isdigit() takes "²" and "٢", which int() refuses or reads.
            if value.isascii() and value.isdecimal() and len(value) < 20:
                return f"/?{name}={int(value)}"
        for name in oldurls.QUERY_PARAMETERS:
            address = oldurls.query_address(name, query.get(name, ""))
            if address is not None:
                return address
        return "/"
    return urls.old_path(_ROUTE_PARAMETER.sub(lambda m: params.get(m.group(1), ""), route))


def moved_to(reads: ReadStore, address: str) -> str | None:
    """Return where an old blog's address now lives: by pattern, or as a post or page claimed it.

    A pattern costs no read; otherwise one GetItem, of the address or the one it names.
    A numbered address (/2019/03/15/hello/2/) reads itself and its post's old address in
    one BatchGetItem, and leads to that part of the post.
    """
    rule = oldurls.rewrite(address)
    if rule is not None and rule.target:
        return rule.target
    wanted = [address] if rule is None else [rule.lookup]
    if rule is not None and rule.part:
        wanted.insert(0, address)  # an old address of its own (/archives/12/) comes first
    # Longer than any stored alias, and over DynamoDB's key limit.
    wanted = [a for a in wanted if a != "/" and len(a.encode()) <= MAX_OLD_ADDRESS_BYTES]
    found = reads.first_redirect(wanted) if wanted else None
    if found is None:
        return None
    matched, target = found
    if target.page:
        return urls.page_path(target.page)
    path = urls.post_path(target.post_id)
    return f"{path}{rule.part}/" if rule is not None and rule.part and matched != address else path


def not_found_page(reads: ReadStore) -> PageView:
    """Show the 404 page, with the usual sidebar to help the reader on."""
    return not_found_view(reads.get_layout())


def not_found_view(layout: Layout) -> PageView:
    """Show the 404 page around a layout already read (its title is the template's)."""
    return PageView("404.html", "", with_calendar(layout), status=404)


def with_calendar(
    layout: Layout, month: str | None = None, days: frozenset[int] = frozenset()
) -> Sidebar:
    """Add a month's calendar to the layout: by default the newest month with posts."""
    if month is None:
        month = layout.latest_month or date.today().strftime("%Y-%m")
        days = layout.latest_days
    year, number = int(month[:4]), int(month[5:7])
    return Sidebar(layout, build_calendar(year, number, set(days), list(layout.months)))


def _term_page(
    reads: ReadStore, cursor: Cursor, per_page: int, partition: str, key: str, field_name: str
) -> PageView:
    require_length(key)
    listing = nonempty(reads.list_posts(partition, "", cursor.before, cursor.after, per_page))
    name = term_name(listing.posts[0], field_name, key)
    sidebar = with_calendar(reads.get_layout())
    kind = "tag" if field_name == "tags" else "category"
    path = urls.tag_path(key) if kind == "tag" else urls.category_path(key)
    data = {"listing": listing, "archive": {"kind": kind, "name": name}, "path": path}
    return PageView("archive.html", name, sidebar, data, path=path, feed_path=f"{path}feed/")


def nonempty(listing: Listing) -> Listing:
    if not listing.posts:
        raise NotFound("empty listing")
    return listing


def require_length(value: str) -> None:
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


def term_name(post: PostSummary, field_name: str, key: str) -> str:
    """Return the display name of a tag or category key, as a post carrying it spells it."""
    terms: tuple[Term, ...] = getattr(post, field_name)
    return next((t.name for t in terms if t.key == key), key)


SEARCH_RESULTS = 50


def search_page(reads: ReadStore, query: str, page: int, per_page: int) -> PageView:
    """Show the posts that best match a query, with the query's words marked."""
    query = " ".join(query[: search.MAX_QUERY_CHARS].split())
    terms = search.query_terms(query)
    layout = reads.get_layout()
    ranked = search.rank(reads.postings(terms), layout.total_posts) if terms else []
    ranked = ranked[:SEARCH_RESULTS]
    pages = max(1, math.ceil(len(ranked) / per_page))
    page = min(max(page, 1), pages)
    shown = reads.summaries(ranked[(page - 1) * per_page : page * per_page])
    data = {
        "query": query,
        "results": [(post, search.highlight(post.summary, query)) for post in shown],
        "total": len(ranked),
        "page_number": page,
        "pages": pages,
    }
    # search.html titles the page in the blog's language.
    return PageView("search.html", query, with_calendar(layout), data)
