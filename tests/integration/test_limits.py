"""Limits of the table: common search words, counters, the stored layout, big posts."""

from __future__ import annotations

from typing import Any

from chalicelib import search
from chalicelib.storage import POSTINGS_PER_TERM, BlogStore
from tests.conftest import TABLE_NAME


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
    found = store.postings(["common"])["common"]
    assert len(found) == POSTINGS_PER_TERM
    assert newest in found
    assert search.rank({"common": found}, total_posts=1100)[0] == newest.sort_key
