"""S3 delivers events at least once and in any order: replayed sequences converge on S3.

moto's S3 event messages carry no ``sequencer``, so these events are built here the way
S3 builds them (URL-encoded key, ETag, size, a hex sequencer that grows per key), and
some are sent without one. Ingest treats an event only as "look at this key", so the
outcome must not depend on order, duplicates or the presence of a sequencer.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any
from urllib.parse import quote_plus

import pytest
from chalice.test import Client

from chalicelib.storage.keys import ALL_POSTS
from chalicelib.storage.store import BlogStore
from tests.helpers.local import BUCKET_NAME
from tests.helpers.posts import make_post_markdown
from tests.helpers.store_views import term_counts


class Bucket:
    """Performs real S3 operations and records the event S3 would send for each."""

    def __init__(self, s3: Any) -> None:
        self._s3 = s3
        self._sequence = itertools.count(0x5B039F73C627CE8B)

    def put(self, key: str, title: str, tags: list[str]) -> dict[str, Any]:
        body = make_post_markdown(title, "2026-04-01", tags).encode()
        etag = self._s3.put_object(Bucket=BUCKET_NAME, Key=key, Body=body)["ETag"].strip('"')
        return self._event("ObjectCreated:Put", key, {"eTag": etag, "size": len(body)})

    def delete(self, key: str) -> dict[str, Any]:
        self._s3.delete_object(Bucket=BUCKET_NAME, Key=key)
        return self._event("ObjectRemoved:Delete", key, {})

    def _event(self, name: str, key: str, extra: dict[str, Any]) -> dict[str, Any]:
        obj = {"key": quote_plus(key), "sequencer": f"00{next(self._sequence):016X}", **extra}
        record = {
            "eventVersion": "2.1",
            "eventSource": "aws:s3",
            "awsRegion": "us-east-1",
            "eventTime": "2026-04-01T00:00:00.000Z",
            "eventName": name,
            "s3": {
                "s3SchemaVersion": "1.0",
                "configurationId": "posts",
                "bucket": {"name": BUCKET_NAME, "arn": f"arn:aws:s3:::{BUCKET_NAME}"},
                "object": obj,
            },
        }
        return {"Records": [record]}


def without_sequencer(event: dict[str, Any]) -> dict[str, Any]:
    [record] = event["Records"]
    obj = {k: v for k, v in record["s3"]["object"].items() if k != "sequencer"}
    return {"Records": [{**record, "s3": {**record["s3"], "object": obj}}]}


def state(store: BlogStore) -> list[tuple[str, tuple[str, ...], int]]:
    """What readers see: titles, their tags, and the tag counts."""
    _, tags, _ = term_counts(store)
    counts = {t.term.key: t.count for t in tags}
    return [
        (p.title, tuple(t.key for t in p.tags), sum(counts.values()))
        for p in store.reads.list_posts(ALL_POSTS).posts
    ]


Scenario = Callable[[Bucket], list[dict[str, Any]]]
SCENARIOS: dict[str, tuple[Scenario, list[tuple[str, tuple[str, ...], int]]]] = {
    "create, update": (
        lambda b: [b.put("posts/a.md", "v1", ["x"]), b.put("posts/a.md", "v2", ["y"])],
        [("v2", ("y",), 1)],
    ),
    "create, delete": (
        lambda b: [b.put("posts/a.md", "v1", ["x"]), b.delete("posts/a.md")],
        [],
    ),
    "create, delete, create again": (
        lambda b: [
            b.put("posts/a.md", "v1", ["x"]),
            b.delete("posts/a.md"),
            b.put("posts/a.md", "v3", ["z"]),
        ],
        [("v3", ("z",), 1)],
    ),
    "three updates": (
        lambda b: [b.put("posts/a.md", f"v{n}", [f"t{n}"]) for n in range(3)],
        [("v2", ("t2",), 1)],
    ),
}


def deliver_all(client: Client, events: list[dict[str, Any]]) -> None:
    for event in events:
        client.lambda_.invoke("on_post_source_changed", event)


@pytest.mark.slow
@pytest.mark.parametrize("name", SCENARIOS)
@pytest.mark.parametrize("sequencer", [True, False], ids=["with-sequencer", "without-sequencer"])
def test_every_order_of_a_sequence_converges(
    name: str, sequencer: bool, client: Client, s3: Any, store: BlogStore
) -> None:
    scenario, expected = SCENARIOS[name]
    events = scenario(Bucket(s3))
    if not sequencer:
        events = [without_sequencer(e) for e in events]
    for order in itertools.permutations(events):
        # Each permutation is replayed with every event delivered twice, interleaved.
        deliver_all(client, [*order, *reversed(order)])
        assert state(store) == expected, order


def test_duplicates_are_no_ops(client: Client, s3: Any, store: BlogStore) -> None:
    event = Bucket(s3).put("posts/a.md", "once", ["x"])
    deliver_all(client, [event] * 5)
    source = store.sources.get_source("posts/a.md")
    assert source is not None and source.rev == 1
    assert state(store) == [("once", ("x",), 1)]


def test_late_create_event_after_delete_does_not_resurrect(
    client: Client, s3: Any, store: BlogStore
) -> None:
    bucket = Bucket(s3)
    created = bucket.put("posts/a.md", "v1", ["x"])
    deliver_all(client, [created])
    deleted = bucket.delete("posts/a.md")
    deliver_all(client, [deleted, created])
    assert state(store) == []
    assert client.http.get("/2026/04/a/").status_code == 404
