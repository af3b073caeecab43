"""Ingest error reports, written to the bucket beside the source so authors can find them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

ERRORS_PREFIX = "errors/"
_SUFFIX = ".json"


@dataclass(frozen=True)
class ErrorReport:
    """Why one version of a source file was not published."""

    key: str
    reason: str
    etag: str
    rejected_at: str
    # True when this version was published all the same, with something left to fix.
    published: bool = False


def report_key(source_key: str) -> str:
    """Return where the report of a source file lives: ``errors/posts/x.md.json``."""
    return f"{ERRORS_PREFIX}{source_key}{_SUFFIX}"


def write_report(s3: Any, bucket: str, report: ErrorReport) -> None:
    """Store a report, replacing any earlier one for the same source."""
    body = json.dumps(report.__dict__, ensure_ascii=False, indent=2).encode()
    s3.put_object(
        Bucket=bucket,
        Key=report_key(report.key),
        Body=body,
        ContentType="application/json; charset=utf-8",
    )


def clear_report(s3: Any, bucket: str, source_key: str) -> None:
    """Remove a source's report; a no-op when there is none."""
    s3.delete_object(Bucket=bucket, Key=report_key(source_key))


def list_reports(s3: Any, bucket: str) -> Iterator[ErrorReport]:
    """Yield every current report, oldest key first."""
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=ERRORS_PREFIX)
    for page in pages:
        for entry in page.get("Contents", []):
            body = s3.get_object(Bucket=bucket, Key=entry["Key"])["Body"].read()
            yield ErrorReport(**json.loads(body))


def aliases_held_elsewhere(held: dict[str, str]) -> str:
    """Tell the author which old addresses (alias -> the file holding it) do not lead here."""
    listed = ", ".join(f"{alias} (claimed by {holder})" for alias, holder in sorted(held.items()))
    return (
        "published, but these old addresses already redirect to another file's post or "
        f"page, and not here: {listed}; remove them from one of the two files"
    )


def new_report(key: str, reason: str, etag: str, published: bool = False) -> ErrorReport:
    """Make a report stamped with the current time."""
    stamp = datetime.now(UTC).isoformat(timespec="seconds")
    return ErrorReport(key, reason, etag, stamp, published)
