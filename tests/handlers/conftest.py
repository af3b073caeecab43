"""Handler fixtures: the Chalice app under chalice.test.Client, on the moto server."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any
from urllib.parse import quote_plus

import pytest
from chalice.test import Client

import app as blog_app
from tests.conftest import BUCKET_NAME, PROJECT_DIR


@pytest.fixture
def client(aws_resources: dict[str, Any]) -> Iterator[Client]:
    """A test client for the app, with a store on the freshly reset emulator."""
    blog_app.get_store.cache_clear()
    blog_app.get_reads.cache_clear()
    with Client(blog_app.app, stage_name="local", project_dir=str(PROJECT_DIR)) as test_client:
        yield test_client


@pytest.fixture
def publish(client: Client, s3: Any) -> Callable[[str, str | bytes], None]:
    """Upload a post and deliver its S3 event to the handler, as Lambda would."""

    def _publish(key: str, text: str | bytes) -> None:
        body = text.encode() if isinstance(text, str) else text
        s3.put_object(Bucket=BUCKET_NAME, Key=key, Body=body)
        deliver(client, key, "ObjectCreated:Put")

    return _publish


def deliver(client: Client, key: str, event_name: str) -> Any:
    """Send the handler an S3 event for a key, URL-encoded as S3 encodes it."""
    event = client.events.generate_s3_event(BUCKET_NAME, quote_plus(key), event_name=event_name)
    return client.lambda_.invoke("on_post_source_changed", event)


@pytest.fixture
def configure(monkeypatch: pytest.MonkeyPatch) -> Callable[..., None]:
    """Change the app's settings for one test, as a stage's environment variables would."""

    def _configure(**changes: Any) -> None:
        monkeypatch.setattr(blog_app, "SETTINGS", replace(blog_app.SETTINGS, **changes))

    return _configure
