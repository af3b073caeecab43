"""S3 events delivered to the app's handler, as Lambda delivers them."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote_plus

from chalice.test import Client

from tests.helpers.local import BUCKET_NAME


def deliver(client: Client, key: str, event_name: str) -> Any:
    """Send the handler an S3 event for a key, URL-encoded as S3 encodes it."""
    event = client.events.generate_s3_event(BUCKET_NAME, quote_plus(key), event_name=event_name)
    return client.lambda_.invoke("on_post_source_changed", event)


def publish_source(client: Client, s3: Any, key: str, text: str | bytes) -> None:
    """Upload a post or page and deliver its S3 event to the handler."""
    body = text.encode() if isinstance(text, str) else text
    s3.put_object(Bucket=BUCKET_NAME, Key=key, Body=body)
    deliver(client, key, "ObjectCreated:Put")


def filed_report(s3: Any, key: str) -> dict[str, Any] | None:
    """Return the errors/ report filed for a source, or None if there is none."""
    try:
        body = s3.get_object(Bucket=BUCKET_NAME, Key=f"errors/{key}.json")["Body"].read()
    except s3.exceptions.NoSuchKey:
        return None
    report: dict[str, Any] = json.loads(body)
    return report
