"""Reconciliation: repair whatever lost or failed events left different from the bucket.

Events can be lost (Lambda gives up after its retries; S3 drops one rarely), a handler
can die after its transaction, and a file held back by a slug clash waits for the file
holding the permalink to go. Reconcile compares the bucket with the table's source
index and re-syncs each difference through ``ingest.sync_source``, which is idempotent.

Cost in requests, for N source files and D of them drifted (changed, missing, pending,
reported or failed), Q failed events queued and S scheduled posts:

- ListObjectsV2: ceil(N / 1000) for ``posts/`` and ``pages/``, plus one per 1,000 reports
  under ``errors/`` (usually 1);
- Query of the source index: ceil(N x ~100 bytes / 1 MB), i.e. 1 up to about 10,000 posts;
- Query of the schedule: 2; GetItem LAYOUT and GEN: 2;
- SQS: ceil(Q / 10) + 1 ReceiveMessage and one DeleteMessage per message;
- per drifted file, one ``sync_source``: GetObject, HeadObject, DeleteObject of the report,
  and about 45 DynamoDB requests (16 of them BatchWriteItem of search postings).

Measured on the local emulator (``python -m bench.reconcile --size 2000 --drift 20``):
at N = 2,000 with no drift, 9 requests in 1.0 s; with 20 files added and 10 deleted
without events, 1,396 requests (46 per drifted file) in 13.2 s. With no drift that is
about 6 + N/1000 requests an hour. Drafts are never indexed, so each draft file counts as
drift and is re-read every run.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote_plus

from chalicelib import i18n
from chalicelib.bucket import PAGES_PREFIX, POSTS_PREFIX
from chalicelib.config import Settings
from chalicelib.publishing import reports
from chalicelib.publishing.ingest import Announcer, is_source_key, sync_source
from chalicelib.publishing.layout import refresh_layout
from chalicelib.storage.store import BlogStore

LOG = logging.getLogger(__name__)
# Enough for any burst of failures; the rest wait for the next run.
MAX_QUEUE_BATCHES = 100


@dataclass
class Summary:
    """What one reconcile run found and repaired."""

    sources: int = 0
    checked: dict[str, int] = field(default_factory=dict)
    outcomes: Counter[str] = field(default_factory=Counter)
    failed_events: int = 0
    unscheduled: int = 0
    layout_refreshed: bool = False
    errors: list[str] = field(default_factory=list)

    def as_record(self) -> dict[str, Any]:
        """Return the summary as one JSON-ready log record."""
        return {
            "event": "reconcile",
            "sources": self.sources,
            "checked": self.checked,
            "outcomes": dict(self.outcomes),
            "failed_events": self.failed_events,
            "unscheduled": self.unscheduled,
            "layout_refreshed": self.layout_refreshed,
            "errors": self.errors,
        }


def reconcile(
    s3: Any,
    store: BlogStore,
    settings: Settings,
    sqs: Any = None,
    queue_url: str = "",
    announce: Announcer | None = None,
) -> Summary:
    """Make the table match the bucket again; log and return what was repaired.

    ``announce`` is told of a first publication that a crash left unfinished.
    """
    summary = Summary()
    failed = drain_failures(sqs, queue_url) if sqs is not None and queue_url else {}
    summary.failed_events = sum(len(receipts) for receipts in failed.values())
    bucket = source_etags(s3, settings.bucket_name)
    index = store.maintenance.source_index()
    reported = {r for r in _reported_keys(s3, settings.bucket_name) if is_source_key(r)}
    summary.sources = len(bucket)
    # A future post is indexed once published; until then the scheduler holds it.
    scheduled = set(store.schedule.keys())
    drifted = {
        "changed": {k for k, etag in bucket.items() if k in index and index[k].etag != etag},
        "unindexed": set(bucket) - set(index) - scheduled,
        "gone": {k for k, entry in index.items() if k not in bucket and entry.etag},
        "pending": {k for k, entry in index.items() if entry.todo},
        "reported": reported,
        "failed": {k for k in failed if is_source_key(k)},
    }
    summary.checked = {reason: len(keys) for reason, keys in drifted.items() if keys}
    for key in sorted(set().union(*drifted.values())):
        # A file the index lacks may predate it: rewrite it once, which indexes it.
        force = key in drifted["unindexed"] and key not in reported
        try:
            summary.outcomes[
                sync_source(key, s3, store, settings, force=force, announce=announce)
            ] += 1
        except Exception as exc:  # noqa: BLE001 - one bad file must not stop the others
            LOG.exception("reconcile could not sync %s", key)
            summary.errors.append(f"{key}: {exc}")
    summary.unscheduled = _drop_stale_schedule(store, set(bucket), store.maintenance.source_index())
    if store.layout.is_stale(i18n.publishing_language()):
        summary.layout_refreshed = refresh_layout(store)
    _delete_failures(sqs, queue_url, failed, summary)
    LOG.info(json.dumps(summary.as_record(), ensure_ascii=False))
    return summary


def source_etags(s3: Any, bucket: str) -> dict[str, str]:
    """Return the ETag of every source file in the bucket (one request per 1,000)."""
    found: dict[str, str] = {}
    paginator = s3.get_paginator("list_objects_v2")
    for prefix in (POSTS_PREFIX, PAGES_PREFIX):
        for page in paginator.paginate(Bucket=bucket, Prefix=prefix):
            for entry in page.get("Contents", []):
                if is_source_key(entry["Key"]):
                    found[entry["Key"]] = str(entry["ETag"]).strip('"')
    return found


def drain_failures(sqs: Any, queue_url: str) -> dict[str, list[str]]:
    """Read the failed S3 events queued by Lambda: source key -> message receipts."""
    failed: dict[str, list[str]] = {}
    for message in _receive_all(sqs, queue_url, visibility_timeout=300):
        # An unreadable record goes under "": nothing to re-sync, so it is dropped.
        for key in failed_event_keys(message["Body"]) or [""]:
            failed.setdefault(key, []).append(message["ReceiptHandle"])
    return failed


def peek_failures(sqs: Any, queue_url: str) -> list[str]:
    """Return the keys of queued failed events without taking them off the queue."""
    seen: dict[str, list[str]] = {}
    for message in _receive_all(sqs, queue_url, visibility_timeout=0, batches=10):
        seen[message["MessageId"]] = failed_event_keys(message["Body"])
    return [key for keys in seen.values() for key in keys]


def failed_event_keys(body: str) -> list[str]:
    """Return the object keys of a Lambda on-failure record of an S3 event. Pure."""
    try:
        record = json.loads(body)
        payload = record.get("requestPayload", record)
        return [unquote_plus(r["s3"]["object"]["key"]) for r in payload.get("Records", [])]
    except (ValueError, KeyError, TypeError, AttributeError):
        return []


def _receive_all(
    sqs: Any, queue_url: str, visibility_timeout: int, batches: int = MAX_QUEUE_BATCHES
) -> Iterator[dict[str, Any]]:
    for _ in range(batches):
        response = sqs.receive_message(
            QueueUrl=queue_url,
            MaxNumberOfMessages=10,
            WaitTimeSeconds=0,
            VisibilityTimeout=visibility_timeout,
        )
        messages = response.get("Messages", [])
        if not messages:
            return
        yield from messages


def _delete_failures(
    sqs: Any, queue_url: str, failed: dict[str, list[str]], summary: Summary
) -> None:
    # Only once re-synced: a message whose key still fails comes back after its timeout.
    still_failing = {line.split(":", 1)[0] for line in summary.errors}
    for key, receipts in failed.items():
        if key in still_failing:
            continue
        for receipt in receipts:
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=receipt)


def _drop_stale_schedule(store: BlogStore, in_bucket: set[str], index: dict[str, Any]) -> int:
    """Forget schedule entries whose file is gone or whose post is already published."""
    stale = [
        key
        for key in store.schedule.keys()
        if key not in in_bucket or (key in index and index[key].etag)
    ]
    for key in stale:
        store.schedule.remove(key)
    return len(stale)


def _reported_keys(s3: Any, bucket: str) -> Iterator[str]:
    paginator = s3.get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=bucket, Prefix=reports.ERRORS_PREFIX):
        for entry in page.get("Contents", []):
            yield entry["Key"].removeprefix(reports.ERRORS_PREFIX).removesuffix(".json")
