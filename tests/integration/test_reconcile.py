"""Reconcile repairs what lost events, crashes and slug clashes left behind."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest

from blogctl import cli
from chalicelib.config import Settings
from chalicelib.publishing import reports
from chalicelib.publishing.ingest import sync_source
from chalicelib.publishing.reconcile import failed_event_keys, peek_failures, reconcile
from chalicelib.storage.keys import ALL_POSTS, GENERATION, typed_key
from chalicelib.storage.store import BlogStore
from devtools.s3events import QueueBridge, S3Route
from tests.helpers.crashes import InjectedFailure, fail_once
from tests.helpers.local import BUCKET_NAME
from tests.helpers.posts import make_post_markdown, upload
from tests.helpers.store_views import neighbours, related, searched


def titles(store: BlogStore) -> list[str]:
    return [p.title for p in store.reads.list_posts(ALL_POSTS).posts]


def test_nothing_to_do_on_a_blog_in_step(s3: Any, store: BlogStore, settings: Settings) -> None:
    upload(s3, "posts/a.md", "Apples", "2026-08-01", ["fruit"])
    sync_source("posts/a.md", s3, store, settings)
    summary = reconcile(s3, store, settings)
    assert summary.sources == 1
    assert summary.checked == {}
    assert not summary.outcomes
    assert not summary.layout_refreshed


def test_lost_events_are_repaired(
    s3: Any, store: BlogStore, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    for key, title, day in (("a", "Apples", 1), ("b", "Bananas", 2), ("c", "Cherries", 3)):
        upload(s3, f"posts/{key}.md", title, f"2026-08-0{day}", ["fruit"])
    sync_source("posts/a.md", s3, store, settings)
    sync_source("posts/b.md", s3, store, settings)
    # c's create event and b's delete event are lost; a is edited without an event.
    s3.delete_object(Bucket=BUCKET_NAME, Key="posts/b.md")
    upload(s3, "posts/a.md", "Apricots", "2026-08-01", ["fruit"])

    with caplog.at_level(logging.INFO, logger="chalicelib.publishing.reconcile"):
        summary = reconcile(s3, store, settings)
    assert summary.checked == {"changed": 1, "unindexed": 1, "gone": 1}
    assert summary.outcomes == {"published": 2, "removed": 1}
    assert titles(store) == ["Cherries", "Apricots"]
    assert searched(store, "bananas") == set()
    assert neighbours(store, "2026/08/a") == (None, "2026/08/c")
    assert "2026/08/b" not in related(store, "2026/08/a") | related(store, "2026/08/c")
    [line] = [json.loads(r.message) for r in caplog.records if "reconcile" in r.message]
    assert line["outcomes"] == {"published": 2, "removed": 1}
    assert reconcile(s3, store, settings).checked == {}


def test_held_back_file_publishes_once_the_permalink_is_free(
    s3: Any, store: BlogStore, settings: Settings
) -> None:
    first = make_post_markdown("First", "2026-08-01") + "\n"
    second = "---\ntitle: Second\ndate: 2026-08-01\nslug: first\n---\nBody.\n"
    s3.put_object(Bucket=BUCKET_NAME, Key="posts/first.md", Body=first.encode())
    s3.put_object(Bucket=BUCKET_NAME, Key="posts/second.md", Body=second.encode())
    assert sync_source("posts/first.md", s3, store, settings) == "published"
    assert sync_source("posts/second.md", s3, store, settings) == "rejected"
    s3.delete_object(Bucket=BUCKET_NAME, Key="posts/first.md")
    assert sync_source("posts/first.md", s3, store, settings) == "removed"
    assert titles(store) == []

    summary = reconcile(s3, store, settings)
    assert summary.outcomes == {"published": 1}
    assert titles(store) == ["Second"]
    assert list(reports.list_reports(s3, BUCKET_NAME)) == []


def test_a_crash_is_repaired_without_redelivery(
    s3: Any, store: BlogStore, settings: Settings
) -> None:
    upload(s3, "posts/a.md", "Apples", "2026-08-01", ["fruit"])
    with fail_once(store.table.client, "BatchWriteItem"), pytest.raises(InjectedFailure):
        sync_source("posts/a.md", s3, store, settings)
    # The crash left a report in errors/ too, so the author sees it until it is repaired.
    assert [r.key for r in reports.list_reports(s3, BUCKET_NAME)] == ["posts/a.md"]
    summary = reconcile(s3, store, settings)
    assert summary.checked == {"pending": 1, "reported": 1}
    assert summary.outcomes == {"repaired": 1}
    assert list(reports.list_reports(s3, BUCKET_NAME)) == []
    assert searched(store, "apples") == {"2026/08/a"}
    assert "Apples" in store.reads.get_layout().sidebar_html


def test_a_stale_layout_is_rebuilt(s3: Any, store: BlogStore, settings: Settings) -> None:
    s3.put_object(Bucket=BUCKET_NAME, Key="pages/about.md", Body=b"---\ntitle: About me\n---\nHi\n")
    sync_source("pages/about.md", s3, store, settings)
    s3.delete_object(Bucket=BUCKET_NAME, Key="pages/about.md")
    with fail_once(store.table.client, "PutItem", "LAYOUT"), pytest.raises(InjectedFailure):
        sync_source("pages/about.md", s3, store, settings)
    assert "About me" in store.reads.get_layout().menu_html
    # The removal's tombstone is pending (its old addresses too): finishing it rebuilds.
    assert reconcile(s3, store, settings).outcomes == {"removed": 1}
    assert "About me" not in store.reads.get_layout().menu_html
    # A layout behind the generation with nothing pending is rebuilt too.
    store.table.client.update_item(
        TableName=settings.table_name,
        Key=typed_key(GENERATION),
        UpdateExpression="ADD gen :one",
        ExpressionAttributeValues={":one": {"N": "1"}},
    )
    assert reconcile(s3, store, settings).layout_refreshed


def test_stale_schedule_entries_go(s3: Any, store: BlogStore, settings: Settings) -> None:
    text = make_post_markdown("Zeppelin", "2099-12-01T09:00:00Z", ["future"])
    s3.put_object(Bucket=BUCKET_NAME, Key="posts/later.md", Body=text.encode())
    assert sync_source("posts/later.md", s3, store, settings) == "scheduled"
    s3.delete_object(Bucket=BUCKET_NAME, Key="posts/later.md")  # its event is lost
    assert reconcile(s3, store, settings).unscheduled == 1
    assert store.schedule.keys() == []


def lambda_failure_record(key: str) -> str:
    """The record Lambda sends an on-failure destination for an S3 event."""
    return json.dumps(
        {
            "version": "1.0",
            "timestamp": datetime.now(UTC).isoformat(),
            "requestContext": {"condition": "RetriesExhausted", "approximateInvokeCount": 3},
            "requestPayload": {
                "Records": [
                    {
                        "eventName": "ObjectCreated:Put",
                        "s3": {"bucket": {"name": BUCKET_NAME}, "object": {"key": key}},
                    }
                ]
            },
            "responseContext": {"statusCode": 200, "functionError": "Unhandled"},
            "responsePayload": {"errorMessage": "Task timed out"},
        }
    )


def test_failed_events_are_drained(s3: Any, store: BlogStore, settings: Settings) -> None:
    sqs = boto3.client("sqs")
    queue = sqs.create_queue(QueueName="failures")["QueueUrl"]
    upload(s3, "posts/my post.md", "Apples", "2026-08-01", ["fruit"])
    sqs.send_message(QueueUrl=queue, MessageBody=lambda_failure_record("posts/my+post.md"))
    assert peek_failures(sqs, queue) == ["posts/my post.md"]

    summary = reconcile(s3, store, settings, sqs, queue)
    assert summary.failed_events == 1
    assert titles(store) == ["Apples"]
    attributes = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["All"])["Attributes"]
    assert attributes["ApproximateNumberOfMessages"] == "0"
    assert attributes["ApproximateNumberOfMessagesNotVisible"] == "0"


def test_failure_records_that_are_not_s3_events_give_no_keys() -> None:
    assert failed_event_keys("not json") == []
    assert failed_event_keys(json.dumps({"requestPayload": {"Records": [{}]}})) == []


def test_the_local_bridge_queues_failed_events_as_lambda_does(
    s3: Any, store: BlogStore, settings: Settings
) -> None:
    sqs = boto3.client("sqs")
    events = sqs.create_queue(QueueName="events")["QueueUrl"]
    failures = sqs.create_queue(QueueName="failures")["QueueUrl"]

    def broken(event: dict[str, Any], context: Any) -> None:
        raise RuntimeError("the handler died")

    route = S3Route("posts/", ".md", ("s3:ObjectCreated:*",), broken)
    bridge = QueueBridge(sqs, events, [route], None, failures)
    upload(s3, "posts/a.md", "Apples", "2026-08-01", ["fruit"])
    record = {"eventName": "ObjectCreated:Put", "s3": {"object": {"key": "posts/a.md"}}}
    sqs.send_message(QueueUrl=events, MessageBody=json.dumps({"Records": [record]}))
    assert bridge.poll_once() == 1

    assert peek_failures(sqs, failures) == ["posts/a.md"]
    assert reconcile(s3, store, settings, sqs, failures).failed_events == 1
    assert titles(store) == ["Apples"]


def test_a_scheduled_post_is_left_to_the_scheduler(
    s3: Any, store: BlogStore, settings: Settings
) -> None:
    text = make_post_markdown("Zeppelin", "2099-12-01T09:00:00Z", ["future"])
    s3.put_object(Bucket=BUCKET_NAME, Key="posts/later.md", Body=text.encode())
    assert sync_source("posts/later.md", s3, store, settings) == "scheduled"
    summary = reconcile(s3, store, settings)
    assert summary.checked == {}
    assert store.schedule.keys() == ["posts/later.md"]


def test_errors_command_shows_queued_failures(
    s3: Any, moto_endpoint: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    sqs = boto3.client("sqs")
    queue = sqs.create_queue(QueueName="failures")["QueueUrl"]
    sqs.send_message(QueueUrl=queue, MessageBody=lambda_failure_record("posts/lost.md"))
    monkeypatch.setenv("FAILURE_QUEUE_URL", queue)
    assert cli.main(["--endpoint-url", moto_endpoint, "errors"]) == 0
    output = capsys.readouterr().out.splitlines()
    assert output[0].startswith("posts/lost.md\tqueued\t")
    assert output[1:] == [
        "1 failed event(s) waiting for reconcile",
        f"0 file(s) with ingest problems in {BUCKET_NAME}",
    ]
    # Shown, not taken: reconcile still finds it.
    assert peek_failures(sqs, queue) == ["posts/lost.md"]


def test_reconcile_command(
    s3: Any, store: BlogStore, moto_endpoint: str, capsys: pytest.CaptureFixture[str]
) -> None:
    upload(s3, "posts/a.md", "Apples", "2026-08-01", ["fruit"])
    assert cli.main(["--endpoint-url", moto_endpoint, "reconcile"]) == 0
    assert capsys.readouterr().out.startswith(
        "1 source files; drifted: 1 unindexed; re-synced: 1 published;"
    )
    assert titles(store) == ["Apples"]
