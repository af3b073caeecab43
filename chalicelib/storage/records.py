"""What the table records about each source file: the write side's bookkeeping."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from chalicelib.models import Term
from chalicelib.storage.keys import (
    ALL_POSTS,
    COUNTS,
    ITEM,
    STICKY_POSTS,
    author_listing,
    category_listing,
    days_item,
    tag_listing,
)


class SlugTakenError(Exception):
    """Another source file already publishes at this permalink."""


class StorageConflictError(Exception):
    """A write kept losing races with concurrent writers, or kept being throttled."""


@dataclass(frozen=True)
class SourceVersion:
    """Which version of an S3 object a post was built from."""

    etag: str
    modified: datetime

    def replaces(self, stored: SourceVersion) -> bool:
        """Tell whether this version should replace the stored one."""
        if self.etag == stored.etag:
            return False
        # Same-second uploads tie on LastModified; ingest re-checks the object after
        # writing (see publishing/ingest.py), so letting a tie through still converges.
        return self.modified >= stored.modified


@dataclass(frozen=True)
class IndexedSource:
    """A source file as the table's source index lists it."""

    etag: str  # "" once unpublished, while its follow-ups are pending
    todo: bool


@dataclass(frozen=True)
class PublishedAt:
    """Where a source's item is published: a post's id and listing key, or a page's path."""

    post_id: str = ""
    sort_key: str = ""  # "2024-05-01T09:30:00#2024/05/slug": the post's local date first
    page: str = ""


@dataclass(frozen=True)
class SourceRecord:
    """What the table holds about one post's source: enough to undo its post's index."""

    key: str
    post_id: str
    sort_key: str
    tags: tuple[Term, ...]
    categories: tuple[Term, ...]
    version: SourceVersion
    rev: int
    terms: tuple[str, ...] = ()
    # Postings and listing positions the follow-up writes still have to clear: old sort
    # key -> terms. Kept until the follow-ups are done, so a retry can finish them.
    stale: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # True from the transaction until every follow-up write (postings, links, related,
    # layout) is made; a redelivered event or reconcile finishes what a crash left.
    todo: bool = False
    # A tombstone: the source was unpublished, its follow-ups are not all done yet.
    removed: bool = False
    # Old addresses redirecting to the post, and those the follow-ups must release.
    aliases: tuple[str, ...] = ()
    gone_aliases: tuple[str, ...] = ()
    author_key: str = ""  # the byline's key: the post is listed in that author's archive
    sticky: bool = False  # listed among the sticky posts, which head the home page

    def departed_post_ids(self) -> set[str]:
        """Return the ids this source published before and no longer does (deleted, moved)."""
        earlier = {sort_key.split("#", 1)[1] for sort_key in self.stale}
        return earlier if self.removed else earlier - {self.post_id}

    def listing_partitions(self) -> set[str]:
        """Return every listing partition this post appears in."""
        return (
            {ALL_POSTS}
            | {tag_listing(t.key) for t in self.tags}
            | {category_listing(c.key) for c in self.categories}
            | ({author_listing(self.author_key)} if self.author_key else set())
            | ({STICKY_POSTS} if self.sticky else set())
        )

    def counters(self) -> dict[Counter, str]:
        """Return the counters this post adds one to, with their display names."""
        day = self.sort_key[:10]
        counters = {
            Counter(COUNTS, f"month#{day[:7]}"): day[:7],
            Counter(days_item(day[:7]), ITEM, f"d{day[8:]}"): "",
        }
        counters.update({Counter(COUNTS, f"tag#{t.key}"): t.name for t in self.tags})
        counters.update({Counter(COUNTS, f"category#{c.key}"): c.name for c in self.categories})
        return counters

    def category_parents(self) -> dict[Counter, str]:
        """Return the parents this post states for its categories' counters ("": top level)."""
        return {
            Counter(COUNTS, f"category#{c.key}"): c.parent
            for c in self.categories
            if c.parent is not None
        }

    def aliases_gone_after(self, kept: tuple[str, ...] = ()) -> tuple[str, ...]:
        """Return the old addresses the next version no longer claims, and any not released yet."""
        earlier = (*self.aliases, *(self.gone_aliases if self.todo else ()))
        return tuple(sorted(set(earlier) - set(kept)))

    def stale_after(self) -> dict[str, tuple[str, ...]]:
        """Return what the next version must clear: these postings, and any not cleared yet."""
        stale = dict(self.stale) if self.todo else {}
        if not self.removed:
            stale[self.sort_key] = tuple(sorted({*stale.get(self.sort_key, ()), *self.terms}))
        return stale


@dataclass(frozen=True)
class PageSource:
    """What the table holds about one static page's source: its page and menu entry."""

    key: str
    slug: str  # the page's path: "about", or "about/team" for a nested page
    menu_entry: str  # sort key of its entry in the COUNT partition
    version: SourceVersion
    rev: int
    todo: bool = True
    # A tombstone: the page was unpublished, its old addresses are not all released yet.
    removed: bool = False
    # Old addresses redirecting to the page, and those the follow-ups must release.
    aliases: tuple[str, ...] = ()
    gone_aliases: tuple[str, ...] = ()

    def as_record(self) -> SourceRecord:
        """Return the page's bookkeeping as a record: no postings, links or listings."""
        return SourceRecord(
            self.key, "", "", (), (), self.version, self.rev, todo=self.todo, removed=self.removed
        )

    def aliases_gone_after(self, kept: tuple[str, ...] = ()) -> tuple[str, ...]:
        """Return the old addresses the next version no longer claims, and any not released yet."""
        earlier = (*self.aliases, *(self.gone_aliases if self.todo else ()))
        return tuple(sorted(set(earlier) - set(kept)))


@dataclass(frozen=True)
class RedirectTarget:
    """Where an old address leads: a post (by id) or a static page (by path)."""

    post_id: str = ""
    page: str = ""


@dataclass(frozen=True, order=True)
class Counter:
    """One number in the table: an attribute of the item at (pk, sk)."""

    pk: str
    sk: str
    attribute: str = "n"
