"""`blogctl errors`: what could not be published, and why."""

from __future__ import annotations

from typing import Any

from chalicelib.config import Settings
from chalicelib.publishing import reports
from chalicelib.publishing.reconcile import peek_failures


def list_errors(settings: Settings, s3: Any) -> list[reports.ErrorReport]:
    """Return the current ingest problems of a stage."""
    return list(reports.list_reports(s3, settings.bucket_name))


def list_failed_events(settings: Settings, sqs: Any) -> list[str]:
    """Return the keys of S3 events that failed every retry and wait for reconcile."""
    return peek_failures(sqs, settings.failure_queue_url) if settings.failure_queue_url else []
