"""A crash after the post's transaction is repaired by the event's redelivery."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from chalicelib.config import Settings
from chalicelib.ingest import publish_due_posts, sync_source
from chalicelib.storage import ALL_POSTS, BlogStore
from tests.conftest import BUCKET_NAME, make_post_markdown


class InjectedFailure(Exception):
    """The fault a test injects: the Lambda dies here."""


@contextmanager
def fail_once(client: Any, operation: str, when: str = "") -> Iterator[None]:
    """Make the first call of an operation (whose request mentions ``when``) raise."""
    calls = {"failed": False}

    def hook(params: dict[str, Any], **_: Any) -> None:
        if not calls["failed"] and when in repr(params):
            calls["failed"] = True
            raise InjectedFailure(operation)

    event = f"before-call.dynamodb.{operation}"
    client.meta.events.register(event, hook)
    try:
        yield
    finally:
        client.meta.events.unregister(event, hook)
    assert calls["failed"], "the fault was never injected"


def upload(s3: Any, key: str, title: str, date: str, tags: list[str]) -> None:
    text = make_post_markdown(title, date, tags, body=f"About {title.lower()}.")
    s3.put_object(Bucket=BUCKET_NAME, Key=key, Body=text.encode())


def searched(store: BlogStore, word: str) -> set[str]:
    return {p.sort_key.split("#", 1)[1] for p in store.postings([word])[word]}


def neighbours(store: BlogStore, post_id: str) -> tuple[str | None, str | None]:
    post = store.get_post(post_id)
    assert post is not None
    return (
        post.older.post_id if post.older else None,
        post.newer.post_id if post.newer else None,
    )


def related(store: BlogStore, post_id: str) -> set[str]:
    post = store.get_post(post_id)
    assert post is not None
    return {r.post_id for r in post.related}


def recent(store: BlogStore) -> str:
    return store.get_layout().sidebar_html


# Each step after the transaction: postings, neighbour links, related posts, layout.
FAULTS = [
    ("BatchWriteItem", ""),
    ("UpdateItem", "older"),
    ("UpdateItem", "related"),
    ("PutItem", "LAYOUT"),
]


@pytest.mark.parametrize(("operation", "when"), FAULTS)
def test_crash_after_publishing_is_repaired_by_redelivery(
    s3: Any, store: BlogStore, settings: Settings, operation: str, when: str
) -> None:
    upload(s3, "posts/a.md", "Apples", "2026-08-01", ["fruit"])
    upload(s3, "posts/b.md", "Bananas", "2026-08-02", ["fruit"])
    for key in ("posts/a.md", "posts/b.md"):
        sync_source(key, s3, store, settings)
    upload(s3, "posts/c.md", "Cherries", "2026-08-03", ["fruit"])
    with fail_once(store._client, operation, when), pytest.raises(InjectedFailure):
        sync_source("posts/c.md", s3, store, settings)

    assert sync_source("posts/c.md", s3, store, settings) == "repaired"
    assert searched(store, "cherries") == {"2026/08/c"}
    assert neighbours(store, "2026/08/b") == ("2026/08/a", "2026/08/c")
    assert neighbours(store, "2026/08/c") == ("2026/08/b", None)
    assert "2026/08/c" in related(store, "2026/08/a")
    assert "Cherries" in recent(store)
    # Repaired once: the next duplicate is the cheap no-op again.
    assert sync_source("posts/c.md", s3, store, settings) == "unchanged"


@pytest.mark.parametrize(("operation", "when"), FAULTS)
def test_crash_after_a_delete_is_repaired_by_redelivery(
    s3: Any, store: BlogStore, settings: Settings, operation: str, when: str
) -> None:
    for key, title, day in (("a", "Apples", 1), ("b", "Bananas", 2), ("c", "Cherries", 3)):
        upload(s3, f"posts/{key}.md", title, f"2026-08-0{day}", ["fruit"])
        sync_source(f"posts/{key}.md", s3, store, settings)
    assert "2026/08/b" in related(store, "2026/08/a")
    s3.delete_object(Bucket=BUCKET_NAME, Key="posts/b.md")
    with fail_once(store._client, operation, when), pytest.raises(InjectedFailure):
        sync_source("posts/b.md", s3, store, settings)

    assert sync_source("posts/b.md", s3, store, settings) == "removed"
    assert searched(store, "bananas") == set()
    assert neighbours(store, "2026/08/a") == (None, "2026/08/c")
    assert neighbours(store, "2026/08/c") == ("2026/08/a", None)
    assert "2026/08/b" not in related(store, "2026/08/a") | related(store, "2026/08/c")
    assert "Bananas" not in recent(store)
    assert sync_source("posts/b.md", s3, store, settings) == "absent"


def test_crash_after_an_edit_still_clears_the_old_version(
    s3: Any, store: BlogStore, settings: Settings
) -> None:
    upload(s3, "posts/a.md", "Apples", "2026-08-01", ["fruit"])
    sync_source("posts/a.md", s3, store, settings)
    upload(s3, "posts/a.md", "Oranges", "2026-08-05", ["fruit"])
    with fail_once(store._client, "BatchWriteItem"), pytest.raises(InjectedFailure):
        sync_source("posts/a.md", s3, store, settings)

    assert sync_source("posts/a.md", s3, store, settings) == "repaired"
    assert searched(store, "apples") == set()
    assert searched(store, "oranges") == {"2026/08/a"}


def test_scheduled_post_survives_a_failed_publication(
    s3: Any, store: BlogStore, settings: Settings
) -> None:
    now = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
    text = make_post_markdown("Zeppelin", "2026-12-01T09:00:00Z", ["future"])
    s3.put_object(Bucket=BUCKET_NAME, Key="posts/later.md", Body=text.encode())
    assert sync_source("posts/later.md", s3, store, settings, now=now) == "scheduled"

    due = now + timedelta(days=3)
    with fail_once(store._client, "TransactWriteItems", "POST#"):
        assert publish_due_posts(s3, store, settings, now=due) == 0
    assert [p.title for p in store.list_posts(ALL_POSTS).posts] == []

    assert publish_due_posts(s3, store, settings, now=due) == 1
    assert [p.title for p in store.list_posts(ALL_POSTS).posts] == ["Zeppelin"]
    assert store.due(due) == []
