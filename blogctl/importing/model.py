"""What every importer reads an old blog into, whatever its format. Pure records."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal
from urllib.parse import urlsplit

Kind = Literal["post", "page"]
# publish: public now; future: public at its date (scheduled); draft, pending, private,
# password and trash are never public: the writer makes them drafts.
Status = Literal["publish", "future", "draft", "pending", "private", "password", "trash"]


@dataclass(frozen=True)
class ImportedTerm:
    """A tag or category as the old blog named it, with its slug (its old URL's last part)."""

    name: str
    slug: str
    parent: str = ""  # the parent category's slug, for hierarchies
    # True when the old blog's URLs used ``slug`` (WordPress's /tag/{slug}/): the source
    # then gives it, so the address survives. Jekyll's and Hugo's terms stay names.
    slug_in_url: bool = False


@dataclass(frozen=True)
class ImportedComment:
    """One comment; only approved ones are ever imported."""

    comment_id: str
    parent_id: str  # "" for a top-level comment
    author: str  # the display name only: e-mail addresses are never imported
    date: datetime
    text: str  # Markdown
    url: str = ""  # the author's website, if any


@dataclass(frozen=True)
class ImportedItem:
    """One post or page of the old blog, converted to Markdown."""

    kind: Kind
    origin: str  # where it came from, for the report: "wordpress:123", "_posts/x.md"
    title: str
    slug: str
    date: datetime | None  # timezone-aware; None when the old blog had none (pages)
    status: Status
    markdown: str
    summary: str = ""  # a hand-written excerpt, as Markdown
    tags: tuple[ImportedTerm, ...] = ()
    categories: tuple[ImportedTerm, ...] = ()
    author: str = ""  # display name
    author_login: str = ""
    # Site paths the old blog served this item at ("/2019/03/15/hello/", "/?p=12"),
    # each starting with "/": they redirect to the new address.
    old_paths: tuple[str, ...] = ()
    parent_path: str = ""  # a nested page's parent path on the old site ("/about/")
    menu_order: int = 0
    sticky: bool = False
    comments: tuple[ImportedComment, ...] = ()
    # Files the body references, as they appear in it (absolute URLs or site paths).
    media: tuple[str, ...] = ()
    # What could not be converted: listed in the report, never shown raw to readers.
    problems: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class ImportedSite:
    """An old blog as read: its title and address, and its items, read as they are used."""

    title: str
    base_url: str  # "https://example.org" (no trailing slash), "" if unknown
    # Lazy: a 500 MB export is read item by item, never held in memory whole.
    items: Iterator[ImportedItem]

    def label(self) -> str:
        """Name the site in imported objects' origins: "example.org/blog", "" if unknown."""
        parts = urlsplit(self.base_url if "//" in self.base_url else f"//{self.base_url}")
        host = parts.netloc.lower().removeprefix("www.")
        return f"{host}{parts.path.rstrip('/')}" if host else ""
