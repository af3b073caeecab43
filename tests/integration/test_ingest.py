"""Ingest against the moto server: S3 objects are reconciled into DynamoDB."""

from __future__ import annotations

import io
import json
import logging
from typing import Any

import pytest

from chalicelib.config import Settings
from chalicelib.publishing.ingest import is_source_key, sync_source
from chalicelib.storage.keys import ALL_POSTS
from chalicelib.storage.store import BlogStore
from tests.helpers.local import BUCKET_NAME
from tests.helpers.posts import make_post_markdown
from tests.helpers.store_views import term_counts


def upload(s3: Any, key: str, text: str | bytes, **extra: Any) -> None:
    body = text.encode() if isinstance(text, str) else text
    s3.put_object(Bucket=BUCKET_NAME, Key=key, Body=body, **extra)


def titles(store: BlogStore) -> list[str]:
    return [p.title for p in store.reads.list_posts(ALL_POSTS).posts]


def test_upload_update_and_delete(s3: Any, store: BlogStore, settings: Settings) -> None:
    upload(s3, "posts/a.md", make_post_markdown("First", "2026-08-01", ["x"]))
    assert sync_source("posts/a.md", s3, store, settings) == "published"
    assert titles(store) == ["First"]

    assert sync_source("posts/a.md", s3, store, settings) == "unchanged"

    upload(s3, "posts/a.md", make_post_markdown("Second", "2026-08-01", ["y"]))
    assert sync_source("posts/a.md", s3, store, settings) == "published"
    assert titles(store) == ["Second"]

    s3.delete_object(Bucket=BUCKET_NAME, Key="posts/a.md")
    assert sync_source("posts/a.md", s3, store, settings) == "removed"
    assert titles(store) == []
    assert sync_source("posts/a.md", s3, store, settings) == "absent"


def test_late_event_for_deleted_object_does_not_resurrect(
    s3: Any, store: BlogStore, settings: Settings
) -> None:
    upload(s3, "posts/a.md", make_post_markdown("Gone", "2026-08-01"))
    sync_source("posts/a.md", s3, store, settings)
    s3.delete_object(Bucket=BUCKET_NAME, Key="posts/a.md")
    sync_source("posts/a.md", s3, store, settings)
    # The create event of the deleted version arrives last: S3 now says there is nothing.
    assert sync_source("posts/a.md", s3, store, settings) == "absent"
    assert titles(store) == []


def test_rejected_update_keeps_published_version(
    s3: Any, store: BlogStore, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    upload(s3, "posts/a.md", make_post_markdown("Good", "2026-08-01"))
    sync_source("posts/a.md", s3, store, settings)
    upload(s3, "posts/a.md", "---\ntitle: [broken\n---\nbody")
    with caplog.at_level(logging.WARNING, logger="chalicelib.publishing.ingest"):
        assert sync_source("posts/a.md", s3, store, settings) == "rejected"
    assert titles(store) == ["Good"]
    ingest_logs = [r for r in caplog.records if r.name == "chalicelib.publishing.ingest"]
    record = json.loads(ingest_logs[-1].getMessage())
    assert record["key"] == "posts/a.md" and record["outcome"] == "rejected"
    assert "front matter is not valid YAML" in record["reason"]


def test_oversized_object_is_rejected_without_reading_it(
    s3: Any, store: BlogStore, settings: Settings
) -> None:
    small = Settings(**{**settings.__dict__, "max_post_bytes": 100})
    upload(s3, "posts/big.md", "x" * 101)
    assert sync_source("posts/big.md", s3, store, small) == "rejected"
    assert titles(store) == []


def test_draft_unpublishes(s3: Any, store: BlogStore, settings: Settings) -> None:
    upload(s3, "posts/a.md", make_post_markdown("Live", "2026-08-01"))
    sync_source("posts/a.md", s3, store, settings)
    upload(s3, "posts/a.md", "---\ntitle: Live\ndraft: true\n---\nbody")
    assert sync_source("posts/a.md", s3, store, settings) == "draft-unpublished"
    assert titles(store) == []


def test_posterous_style_post_dates_from_last_modified(
    s3: Any, store: BlogStore, settings: Settings
) -> None:
    upload(s3, "posts/mailed.md", "# From my phone\n\nHello.")
    sync_source("posts/mailed.md", s3, store, settings)
    head = s3.head_object(Bucket=BUCKET_NAME, Key="posts/mailed.md")
    [summary] = store.reads.list_posts(ALL_POSTS).posts
    assert summary.title == "From my phone"
    assert summary.published == head["LastModified"]
    assert summary.post_id == f"{head['LastModified']:%Y/%m}/mailed"


def test_keys_outside_posts_are_ignored(s3: Any, store: BlogStore, settings: Settings) -> None:
    upload(s3, "media/photo.md", "# not a post")
    assert sync_source("media/photo.md", s3, store, settings) == "ignored"
    assert not is_source_key("posts/nested/dir.md")
    assert is_source_key("posts/東京の秋.md")


class StaleFirstRead:
    """A real S3 client whose first GetObject returns an earlier, recorded response.

    That is what a handler sees when it read the object just before a newer upload.
    """

    def __init__(self, s3: Any, stale: dict[str, Any]) -> None:
        self._s3 = s3
        self._stale: dict[str, Any] | None = stale

    def get_object(self, **params: Any) -> dict[str, Any]:
        stale, self._stale = self._stale, None
        return stale if stale is not None else self._s3.get_object(**params)  # type: ignore[no-any-return]

    def __getattr__(self, name: str) -> Any:
        return getattr(self._s3, name)


def test_slow_handler_holding_an_older_read_converges_on_the_newest(
    s3: Any, store: BlogStore, settings: Settings
) -> None:
    upload(s3, "posts/a.md", make_post_markdown("Older", "2026-08-01", ["old"]))
    stale = s3.get_object(Bucket=BUCKET_NAME, Key="posts/a.md")
    stale["Body"] = io.BytesIO(stale["Body"].read())
    upload(s3, "posts/a.md", make_post_markdown("Newer", "2026-08-01", ["new"]))
    assert sync_source("posts/a.md", s3, store, settings) == "published"

    sync_source("posts/a.md", StaleFirstRead(s3, stale), store, settings)

    assert titles(store) == ["Newer"]
    _, tags, _ = term_counts(store)
    assert [(t.term.key, t.count) for t in tags] == [("new", 1)]
