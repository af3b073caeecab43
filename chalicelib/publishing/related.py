"""Related posts: chosen at publish time by shared tags, and chosen again when one goes."""

from __future__ import annotations

from collections.abc import Iterable

from chalicelib.models import Link, Post, PostSummary
from chalicelib.storage.keys import tag_listing
from chalicelib.storage.records import SourceRecord
from chalicelib.storage.store import BlogStore

RELATED_POSTS = 3
RELATED_TAGS_READ = 2


def related_posts(store: BlogStore, post: Post | PostSummary) -> tuple[PostSummary, ...]:
    """Find posts sharing the most tags with this one (reading two tags' listings)."""
    candidates: dict[str, PostSummary] = {}
    for tag in post.tags[:RELATED_TAGS_READ]:
        for other in store.reads.list_posts(tag_listing(tag.key), limit=RELATED_POSTS + 1).posts:
            if other.post_id != post.post_id:
                candidates[other.post_id] = other
    return choose_related(post, candidates.values())


def choose_related(
    post: Post | PostSummary, candidates: Iterable[PostSummary]
) -> tuple[PostSummary, ...]:
    """Keep the candidates sharing the most tags with the post, newest first among equals."""
    own = {t.key for t in post.tags}

    def shared(other: PostSummary) -> int:
        return len(own & {t.key for t in other.tags})

    newest_first = sorted(candidates, key=lambda p: p.sort_key, reverse=True)
    return tuple(sorted(newest_first, key=shared, reverse=True)[:RELATED_POSTS])


def links(posts: tuple[PostSummary, ...]) -> tuple[Link, ...]:
    """Return the links a post page shows for these posts."""
    return tuple(Link(p.post_id, p.title) for p in posts)


def relate_back(store: BlogStore, related: tuple[PostSummary, ...]) -> None:
    """Refresh the related posts of a new post's related posts, which likely now include it."""
    for other in related:
        store.links.set_related(other.post_id, links(related_posts(store, other)))


def unlink_departed(store: BlogStore, record: SourceRecord) -> None:
    """Choose again the related posts of every post that named one this source took down."""
    for departed in sorted(record.departed_post_ids()):
        linkers = store.links.linked_from(departed)
        # Summaries only: a linker's body (perhaps in S3) plays no part in choosing.
        found = (store.reads.post_summary(linker) for linker in linkers)
        relate_back(store, tuple(post for post in found if post is not None))
        store.links.forget_links_to(departed, linkers)
