"""Read what a reader would see of one post, straight from the store, and upload posts."""

from __future__ import annotations

from typing import Any

from chalicelib.storage.store import BlogStore
from tests.conftest import BUCKET_NAME, make_post_markdown


def upload(s3: Any, key: str, title: str, date: str, tags: list[str]) -> None:
    text = make_post_markdown(title, date, tags, body=f"About {title.lower()}.")
    s3.put_object(Bucket=BUCKET_NAME, Key=key, Body=text.encode())


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
