"""Domain records: what a post is once parsed, and what listing pages show."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

# Taxonomy limits keep one post's write inside a single DynamoDB transaction
# (at most 100 actions, see storage.py).
MAX_TAGS = 15
MAX_CATEGORIES = 5
# A post's body is stored as one HTML string: its parts (WordPress's <!--nextpage-->)
# joined by PART_BREAK, then COMMENTS_BREAK and the comments shown on every part. The
# sanitizer removes every HTML comment from rendered Markdown, so neither occurs in it.
PART_BREAK = "<!--nextpage-->"
COMMENTS_BREAK = "<!--comments-->"
# Sticky posts head the home page; the layout item keeps the newest this many of them.
MAX_STICKY_POSTS = 10


@dataclass(frozen=True)
class Term:
    """A tag or category: the key used in URLs and storage, and its display name.

    ``parent`` is a category's parent's key as a post states it: ``None`` when the post
    does not say (the stored parent stays), ``""`` for the top level.
    """

    key: str
    name: str
    parent: str | None = None


@dataclass(frozen=True)
class Post:
    """A post ready to store: metadata plus body HTML rendered and sanitized at ingest."""

    slug: str
    title: str
    published: datetime
    tags: tuple[Term, ...]
    categories: tuple[Term, ...]
    summary: str
    html: str
    source_key: str
    draft: bool = False
    via: str | None = None
    body_key: str | None = None  # where a body too large for the item is stored
    author: Term | None = None  # the byline; its key names the author's archive
    aliases: tuple[str, ...] = ()  # old addresses that redirect to this post
    sticky: bool = False  # listed first on the home page

    @property
    def post_id(self) -> str:
        """Return the permalink path without slashes around it: ``2011/01/slug``."""
        return f"{self.published:%Y/%m}/{self.slug}"

    @property
    def sort_key(self) -> str:
        """Return the local timestamp plus id, the order of every listing."""
        return f"{self.published:%Y-%m-%dT%H:%M:%S}#{self.post_id}"


@dataclass(frozen=True)
class StaticPage:
    """A static page (About, Contact…) from pages/*.md: in the main menu, never a post."""

    slug: str  # its path without slashes at the ends: "about", or "about/team" when nested
    title: str
    html: str
    summary: str
    menu_order: int
    source_key: str
    draft: bool = False
    aliases: tuple[str, ...] = ()  # old addresses that redirect to it


@dataclass(frozen=True)
class MenuEntry:
    """A static page's place in the main menu."""

    slug: str
    title: str


@dataclass(frozen=True)
class PostSummary:
    """What listing pages show of a post; small, duplicated per listing."""

    post_id: str
    title: str
    published: datetime
    summary: str
    tags: tuple[Term, ...]
    categories: tuple[Term, ...]
    sort_key: str
    author: Term | None = None


@dataclass(frozen=True)
class Link:
    """Another post as a permalink page links to it: its id and title."""

    post_id: str
    title: str


@dataclass(frozen=True)
class StoredPost:
    """A post as read back for its permalink page, with links chosen at publish time."""

    summary: PostSummary
    html: str
    source_key: str
    via: str | None = None
    updated: datetime | None = None
    older: Link | None = None
    newer: Link | None = None
    related: tuple[Link, ...] = ()
    body_key: str | None = None

    def parts(self) -> tuple[tuple[str, ...], str]:
        """Return the body's parts (one unless split into pages) and the comments' HTML."""
        return split_body(self.html)


def join_body(parts: Sequence[str], comments: str = "") -> str:
    """Store a body's parts and its comments as one HTML string (see ``PART_BREAK``)."""
    # On lines of its own: text extracted from the whole body keeps the parts' words apart.
    return with_comments(f"\n{PART_BREAK}\n".join(parts), comments)


def with_comments(body: str, comments: str) -> str:
    """Add the comments' HTML after a stored body, to be shown below each of its parts."""
    return f"{body}{COMMENTS_BREAK}{comments}" if comments else body


def split_body(html: str) -> tuple[tuple[str, ...], str]:
    """Return the parts and the comments of a body stored by ``join_body``."""
    body, comments = split_comments(html)
    return tuple(body.split(f"\n{PART_BREAK}\n")), comments


def split_comments(html: str) -> tuple[str, str]:
    """Return a stored body and the comments' HTML ``with_comments`` added to it."""
    body, _, comments = html.partition(COMMENTS_BREAK)
    return body, comments


@dataclass(frozen=True)
class Layout:
    """What every page shows around its content, rendered when something is published.

    The HTML fragments hold ``LINK_PREFIX`` where a link needs the request's path prefix.
    """

    menu_html: str = ""
    sidebar_html: str = ""
    months: tuple[str, ...] = ()
    latest_days: frozenset[int] = frozenset()
    total_posts: int = 0
    sticky: tuple[PostSummary, ...] = ()  # sticky posts, newest first: the home page's top
    # The interface language its fragments were rendered in (SITE_LANGUAGE's translation).
    language: str = ""

    @property
    def latest_month(self) -> str | None:
        """Return the newest month with posts, as ``yyyy-mm``."""
        return self.months[-1] if self.months else None


LINK_PREFIX = "<!--prefix-->"


@dataclass(frozen=True)
class SiteIndex:
    """What the layout is built from: counts, menu, the newest posts and month."""

    categories: tuple[TermCount, ...]
    tags: tuple[TermCount, ...]
    months: tuple[str, ...]
    pages: tuple[MenuEntry, ...]
    recent: tuple[PostSummary, ...]
    latest_days: frozenset[int]
    total_posts: int
    empty_counters: tuple[str, ...] = ()  # sort keys of counters that fell to zero


@dataclass(frozen=True)
class TermCount:
    """A tag or category with the number of published posts that carry it."""

    term: Term
    count: int


@dataclass(frozen=True)
class Listing:
    """One page of a listing, newest first, with cursors to its neighbours."""

    posts: tuple[PostSummary, ...]
    older: str | None
    newer: str | None


@dataclass(frozen=True)
class Preview:
    """A draft's or scheduled post's (or a draft page's) private preview: one of the two.

    ``due`` is a scheduled post's publication time: from then on the public page takes over.
    """

    post: StoredPost | None = None
    page: StaticPage | None = None
    due: datetime | None = None
