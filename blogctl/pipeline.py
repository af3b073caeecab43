"""Watch the publishing pipeline: what became of uploaded sources (import, publish, sync)."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError
from tqdm import tqdm

from chalicelib.bucket import POSTS_PREFIX
from chalicelib.publishing import reports
from chalicelib.storage.store import BlogStore

PUBLISHED = "published"
SCHEDULED = "scheduled"
DRAFT = "draft"
REJECTED = "rejected"
WAITING = "still waiting"
# Called with the keys still waiting before each look at the table: tests run ingest here.
BeforePoll = Callable[[list[str]], None]


@dataclass(frozen=True)
class Seen:
    """What the pipeline made of one version of a source; ``due`` for a scheduled post."""

    state: str
    reason: str = ""
    due: datetime | None = None


@dataclass(frozen=True)
class Waiting:
    """How long to wait, how often to look, and whether to show a progress bar."""

    timeout: float = 60.0
    poll_seconds: float = 0.2
    progress: bool = True


def md5_hex(data: bytes) -> str:
    """Return the hex MD5: the ETag S3 gives a single-part put of these bytes."""
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def bucket_etags(s3: Any, bucket: str, prefixes: Iterable[str]) -> dict[str, str]:
    """Return the ETag of every object under the prefixes (one List request per 1,000)."""
    paginator = s3.get_paginator("list_objects_v2")
    return {
        entry["Key"]: entry["ETag"].strip('"')
        for prefix in prefixes
        for page in paginator.paginate(Bucket=bucket, Prefix=prefix)
        for entry in page.get("Contents", [])
    }


def wait_for(
    etags: dict[str, str],
    store: BlogStore,
    s3: Any,
    bucket: str,
    waiting: Waiting,
    drafts: frozenset[str] = frozenset(),
    before_poll: BeforePoll | None = None,
) -> dict[str, Seen]:
    """Wait until each source (key -> uploaded ETag) has an outcome; WAITING past the timeout.

    ``drafts`` names the sources whose file says ``draft: true``: a draft leaves nothing
    in the table, so it counts as done once no published version, schedule entry or
    report of it is left (see look()).
    """
    results: dict[str, Seen] = {}
    deadline = time.monotonic() + waiting.timeout
    show = None if waiting.progress else True  # tqdm: None shows a bar on a terminal only
    with tqdm(total=len(etags), desc="publishing", unit="file", disable=show) as progress:
        while len(results) < len(etags):
            pending = [key for key in etags if key not in results]
            if before_poll is not None:
                before_poll(pending)
            found = look(pending, etags, store, s3, bucket, drafts)
            results.update(found)
            progress.update(len(found))
            if len(results) < len(etags):
                if time.monotonic() >= deadline:
                    break
                time.sleep(waiting.poll_seconds)
    reason = f"no outcome after {waiting.timeout:g} s: is the pipeline running?"
    return {key: results.get(key, Seen(WAITING, reason)) for key in etags}


def look(
    pending: list[str],
    etags: dict[str, str],
    store: BlogStore,
    s3: Any,
    bucket: str,
    drafts: frozenset[str] = frozenset(),
) -> dict[str, Seen]:
    """Return the outcome of each pending source that has one now (two Queries, one List)."""
    index = store.maintenance.source_index()
    scheduled = store.schedule.due_times()
    found: dict[str, Seen] = {}
    for key, reason, published in filed_reports(pending, etags, s3, bucket):
        if not published:
            found[key] = Seen(REJECTED, reason)
    for key in pending:
        if key in found:
            continue
        published_etag = index[key].etag if key in index else ""
        if published_etag == etags[key]:
            found[key] = Seen(PUBLISHED)
        elif key in drafts:
            if not published_etag and key not in scheduled:
                found[key] = Seen(DRAFT)
        elif key in scheduled and key.startswith(POSTS_PREFIX) and not published_etag:
            found[key] = Seen(SCHEDULED, due=scheduled[key])
    return found


def published_warnings(
    results: dict[str, Seen], etags: dict[str, str], s3: Any, bucket: str
) -> dict[str, str]:
    """Return the published sources whose uploaded version was published with a warning."""
    published = [key for key, seen in results.items() if seen.state == PUBLISHED]
    return {
        key: reason for key, reason, warned in filed_reports(published, etags, s3, bucket) if warned
    }


def filed_reports(
    pending: list[str], etags: dict[str, str], s3: Any, bucket: str
) -> list[tuple[str, str, bool]]:
    """Return the keys whose uploaded version has a report: its reason, and if published."""
    if not pending:
        return []
    wanted = {reports.report_key(key): key for key in pending}
    paginator = s3.get_paginator("list_objects_v2")
    filed_ones = []
    for page in paginator.paginate(Bucket=bucket, Prefix=reports.ERRORS_PREFIX):
        for entry in page.get("Contents", []):
            key = wanted.get(entry["Key"])
            if key is None:
                continue
            try:
                body = s3.get_object(Bucket=bucket, Key=entry["Key"])["Body"].read()
            except ClientError as exc:
                if exc.response["Error"]["Code"] not in ("NoSuchKey", "404"):
                    raise
                continue  # cleared since the listing: a newer version was published
            filed = json.loads(body)
            if filed.get("etag") == etags[key]:
                reason = str(filed.get("reason", "no reason given"))
                filed_ones.append((key, reason, filed.get("published") is True))
    return filed_ones
