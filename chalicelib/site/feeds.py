"""Feeds and sitemaps: the newest posts of a listing, and every page a crawler should know."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from datetime import datetime

from chalicelib.models import PostSummary
from chalicelib.site import urls
from chalicelib.site.views import NotFound, nonempty, require_length, term_name
from chalicelib.storage.keys import ALL_POSTS, category_listing, tag_listing
from chalicelib.storage.reads import ReadStore

FEED_ENTRIES = 20
SITEMAP_LIMIT = 50_000  # URLs in one sitemap file, the protocol's maximum
SITEMAPS = "/sitemaps/"
SITE_SITEMAP = "site"
_MONTH = re.compile(r"^\d{4}-\d\d$", re.ASCII)


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


def site_feed(reads: ReadStore) -> Feed:
    """Feed the newest posts of the whole blog."""
    return Feed("", "/", reads.list_posts(ALL_POSTS, limit=FEED_ENTRIES).posts)


def tag_feed(reads: ReadStore, key: str) -> Feed:
    """Feed the newest posts carrying a tag."""
    return _term_feed(reads, tag_listing(key), key, "tags", urls.tag_path(key))


def category_feed(reads: ReadStore, key: str) -> Feed:
    """Feed the newest posts filed under a category."""
    return _term_feed(reads, category_listing(key), key, "categories", urls.category_path(key))


def sitemap_index(reads: ReadStore) -> list[str]:
    """List the sitemaps: the site's pages and terms, then one a month, newest first.

    One GetItem (the layout knows the months), and each sitemap is one Query, so a
    crawler never makes one request read every post.
    """
    months = reversed(reads.get_layout().months)
    return [f"{SITEMAPS}{SITE_SITEMAP}.xml", *(f"{SITEMAPS}{month}.xml" for month in months)]


def sitemap_entries(reads: ReadStore, name: str) -> list[tuple[str, datetime | None]]:
    """List the pages of one sitemap (``site.xml`` or ``yyyy-mm.xml``) with their last change."""
    stem = name.removesuffix(".xml")
    if stem == name:
        raise NotFound(f"no sitemap {name}")
    if stem == SITE_SITEMAP:
        index = reads.site_index()[1]
        newest = index.recent[0].published if index.recent else None
        entries: list[tuple[str, datetime | None]] = [("/", newest)]
        entries += [(urls.page_path(p.slug), None) for p in index.pages]
        entries += [(urls.category_path(c.term.key), None) for c in index.categories]
        entries += [(urls.tag_path(t.term.key), None) for t in index.tags]
        return entries[:SITEMAP_LIMIT]
    if not _MONTH.match(stem):
        raise NotFound(f"no sitemap {name}")
    posts = itertools.islice(reads.post_dates(f"{stem}-"), SITEMAP_LIMIT)
    return _nonempty_entries([(urls.post_path(post_id), when) for post_id, when in posts])


def _nonempty_entries(
    entries: list[tuple[str, datetime | None]],
) -> list[tuple[str, datetime | None]]:
    if not entries:
        raise NotFound("no posts in that month")
    return entries


def _term_feed(reads: ReadStore, partition: str, key: str, field_name: str, path: str) -> Feed:
    require_length(key)
    posts = nonempty(reads.list_posts(partition, limit=FEED_ENTRIES)).posts
    return Feed(term_name(posts[0], field_name, key), path, posts)
