"""Read what a reader would see of the blog straight from the store: terms, calendar, one post."""

from __future__ import annotations

from typing import Any

from chalicelib.storage.store import BlogStore


def term_counts(store: BlogStore) -> tuple[list[Any], list[Any], list[str]]:
    """Return the categories and tags with their counts, and the months with posts."""
    index = store.reads.site_index()[1]
    return list(index.categories), list(index.tags), list(index.months)


def days_with_posts(store: BlogStore, year: int, month: int) -> set[int]:
    """Return the days of a month that the calendar links."""
    return set(store.reads.page_data(month=f"{year:04d}-{month:02d}").days)


def searched(store: BlogStore, word: str) -> set[str]:
    return {p.sort_key.split("#", 1)[1] for p in store.reads.postings([word])[word]}


def neighbours(store: BlogStore, post_id: str) -> tuple[str | None, str | None]:
    post = store.reads.get_post(post_id)
    assert post is not None
    return (
        post.older.post_id if post.older else None,
        post.newer.post_id if post.newer else None,
    )


def related(store: BlogStore, post_id: str) -> set[str]:
    post = store.reads.get_post(post_id)
    assert post is not None
    return {r.post_id for r in post.related}


def recent(store: BlogStore) -> str:
    return store.reads.get_layout().sidebar_html
