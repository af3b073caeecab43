"""moto as S3 is for a versioned bucket: delete markers send events, events name versions.

moto 5.2.5 sends no event when a delete on a versioned bucket leaves a delete marker,
where S3 sends ``ObjectRemoved:DeleteMarkerCreated``: without it the local stack would
never unpublish a deleted post. And its event records carry no ``versionId``, which
S3's do for every versioned object. Both are put right here, in the emulator only.
"""

from __future__ import annotations

from typing import Any

import moto.s3.notifications as notifications
from moto.s3.models import FakeDeleteMarker, S3Backend

_set_delete_marker = S3Backend._set_delete_marker
_get_s3_event = notifications._get_s3_event


def install() -> None:
    """Patch moto's S3 backend (idempotent; the server process only)."""
    S3Backend._set_delete_marker = _set_delete_marker_and_notify  # type: ignore[method-assign]
    notifications._get_s3_event = _event_with_version


def _set_delete_marker_and_notify(self: Any, bucket_name: str, key_name: str) -> Any:
    marker = _set_delete_marker(self, bucket_name, key_name)
    notifications.send_event(
        self.account_id,
        notifications.S3NotificationEvent.OBJECT_REMOVED_DELETE_MARKER_CREATED_EVENT,
        self.get_bucket(bucket_name),
        marker,
    )
    return marker


def _event_with_version(
    event_name: str, bucket: Any, key: Any, notification_id: str
) -> dict[str, list[dict[str, Any]]]:
    if isinstance(key, FakeDeleteMarker):
        # S3's record of a delete marker has no eTag or size: the marker has neither.
        deleted = key.key
        while isinstance(deleted, FakeDeleteMarker):  # deleted again: a marker on a marker
            deleted = deleted.key
        event = _get_s3_event(event_name, bucket, deleted, notification_id)
        event["Records"][0]["s3"]["object"] = {
            "key": event["Records"][0]["s3"]["object"]["key"],
            "versionId": key.version_id,
        }
        return event
    event = _get_s3_event(event_name, bucket, key, notification_id)
    version = getattr(key, "version_id", "null")
    if version and version != "null":
        event["Records"][0]["s3"]["object"]["versionId"] = version
    return event
