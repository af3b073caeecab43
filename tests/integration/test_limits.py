"""Limits of the table: common search words, counters, the stored layout, big posts."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib import search
from chalicelib.config import Settings
from chalicelib.publishing.ingest import sync_source
from chalicelib.storage.keys import COUNTS
from chalicelib.storage.reads import POSTINGS_PER_TERM
from chalicelib.storage.store import BlogStore
from tests.helpers.local import BUCKET_NAME, TABLE_NAME
from tests.helpers.posts import make_post_markdown


def _write_postings(client: Any, term: str, postings: list[search.Posting]) -> None:
    """Store postings as ingest does (docs/data-model.md), many at a time."""
    requests = [
        {
            "PutRequest": {
                "Item": {
                    "pk": {"S": f"TERM#{term}"},
                    "sk": {"S": p.sort_key},
                    "w": {"N": str(p.weight)},
                    "len": {"N": str(p.length)},
                }
            }
        }
        for p in postings
    ]
    for start in range(0, len(requests), 25):
        client.batch_write_item(RequestItems={TABLE_NAME: requests[start : start + 25]})


@pytest.mark.slow
def test_a_common_word_still_finds_the_newest_post(
    store: BlogStore, aws_resources: dict[str, Any]
) -> None:
    # 1,100 posts use the word in their body; the newest also has it in its title.
    older = [
        search.Posting(f"2020-01-01T00:00:00#2020/01/p{k:04d}", 1, 200)
        for k in range(POSTINGS_PER_TERM + 99)
    ]
    newest = search.Posting("2026-01-01T00:00:00#2026/01/newest", 4, 200)
    _write_postings(aws_resources["dynamodb"], "common", [*older, newest])
    found = store.reads.postings(["common"])["common"]
    assert len(found) == POSTINGS_PER_TERM
    assert newest in found
    assert search.rank({"common": found}, total_posts=1100)[0] == newest.sort_key


def _upload(s3: Any, key: str, text: str) -> None:
    s3.put_object(Bucket=BUCKET_NAME, Key=key, Body=text.encode())


def _counter_keys(client: Any) -> set[str]:
    response = client.query(
        TableName=TABLE_NAME,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": COUNTS}},
    )
    return {item["sk"]["S"] for item in response["Items"]}


@pytest.mark.slow
def test_many_long_tags_never_stop_publishing(
    s3: Any, store: BlogStore, settings: Settings
) -> None:
    # The reproduction: 15 distinct 100-character CJK tags a post; at 21 posts or so
    # the stored layout outgrew DynamoDB's 400 KB item and every publish failed.
    for k in range(24):
        tags = [f"{k:02d}{j:02d}" + "漢" * 96 for j in range(15)]
        _upload(s3, f"posts/t{k}.md", make_post_markdown(f"T{k}", "2026-08-01", tags))
        assert sync_source(f"posts/t{k}.md", s3, store, settings) == "published"
    _upload(s3, "posts/plain.md", make_post_markdown("Plain", "2026-08-02", ["short"]))
    assert sync_source("posts/plain.md", s3, store, settings) == "published"
    layout = store.reads.get_layout()
    assert "Plain" in layout.sidebar_html and layout.total_posts == 25
    assert len(layout.sidebar_html.encode()) < 300_000


def test_counters_that_fall_to_zero_are_deleted(
    s3: Any, store: BlogStore, settings: Settings, aws_resources: dict[str, Any]
) -> None:
    _upload(s3, "posts/a.md", make_post_markdown("A", "2026-08-01", ["gone"], ["Old"]))
    _upload(s3, "posts/b.md", make_post_markdown("B", "2026-07-01", ["kept"]))
    sync_source("posts/a.md", s3, store, settings)
    sync_source("posts/b.md", s3, store, settings)
    _upload(s3, "posts/a.md", make_post_markdown("A", "2026-09-01", ["kept"], ["New"]))
    sync_source("posts/a.md", s3, store, settings)
    assert _counter_keys(aws_resources["dynamodb"]) == {
        "tag#kept",
        "category#new",
        "month#2026-07",
        "month#2026-09",
    }
    s3.delete_object(Bucket=BUCKET_NAME, Key="posts/a.md")
    s3.delete_object(Bucket=BUCKET_NAME, Key="posts/b.md")
    sync_source("posts/a.md", s3, store, settings)
    sync_source("posts/b.md", s3, store, settings)
    assert _counter_keys(aws_resources["dynamodb"]) == set()
