"""The table's key schema: which partition and sort key hold what (docs/data-model.md)."""

from __future__ import annotations

import hashlib
from typing import Any

ALL_POSTS = "LIST#all"
# Sticky posts, the home page's first entries: their summaries go into the layout item.
STICKY_POSTS = "LIST#sticky"
COUNTS = "COUNT"
SCHEDULE = "SCHEDULE"
# One small item per source file (etag, follow-ups pending): what reconcile compares
# with the bucket, read with a Query instead of a Scan over every item of the table.
SOURCE_INDEX = "SOURCES"
LAYOUT = "LAYOUT"
# LINKED#<post id> holds one item per post whose related posts name that post, so that
# when it is deleted or moves, exactly those posts choose their related posts again.
LINKED_FROM = "LINKED#"
# Every post and page transaction adds one: derived items (neighbour links, the
# layout) carry the generation they were computed at, so a stale one never wins.
GENERATION = "GEN"
# One item per source with a private preview link: sort key the source key, its token
# in an attribute. The only state not derived from the bucket: a wipe keeps it.
PREVIEW_LINKS = "PREVIEWS"
# The sort key of every item that is alone in its partition.
ITEM = "#"
SORT_KEY_MAX = "~"  # sorts after every character a sort key can hold after its date


def source_item(key: str) -> str:
    """Return the partition of what one source file (an S3 key) published."""
    return f"SOURCE#{key}"


def post_item(post_id: str) -> str:
    """Return the partition of a post (``yyyy/mm/slug``)."""
    return f"POST#{post_id}"


def page_item(slug: str) -> str:
    """Return the partition of a static page."""
    return f"PAGE#{slug}"


def scheduled_item(key: str) -> str:
    """Return the partition pointing at a source's entry in the schedule."""
    return f"SCHEDULED#{key}"


def preview_item(token: str) -> str:
    """Return the partition of the preview a token opens: ``PREVIEW#`` and its SHA-256.

    Keyed by the hash, so no key holds a usable link, and a lookup's cost is the same
    whatever the guess (any string hashes to 64 hex digits).
    """
    return f"PREVIEW#{hashlib.sha256(token.encode('utf-8', 'surrogatepass')).hexdigest()}"


def redirect_item(old_path: str) -> str:
    """Return the partition of an old address that redirects to a post."""
    return f"REDIRECT#{old_path}"


def term_postings(term: str) -> str:
    """Return the partition of a search term's postings."""
    return f"TERM#{term}"


def linked_from(post_id: str) -> str:
    """Return the partition listing the posts whose related posts name this one."""
    return f"{LINKED_FROM}{post_id}"


def days_item(month: str) -> str:
    """Return the partition of a month's per-day post counts (``yyyy-mm``)."""
    return f"DAYS#{month}"


def tag_listing(key: str) -> str:
    """Return the listing partition of a tag."""
    return f"LIST#tag#{key}"


def author_listing(key: str) -> str:
    """Return the listing partition of an author's posts."""
    return f"LIST#author#{key}"


def category_listing(key: str) -> str:
    """Return the listing partition of a category."""
    return f"LIST#category#{key}"


def menu_entry(order: int, slug: str) -> str:
    """Return the sort key, in the COUNT partition, of a static page's menu entry."""
    return f"menu#{order:06d}#{slug}"


def typed_key(pk: str, sk: str = ITEM) -> dict[str, Any]:
    """Return a key as DynamoDB's low-level API takes it."""
    return {"pk": {"S": pk}, "sk": {"S": sk}}
