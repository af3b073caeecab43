"""Handler fixtures: the Chalice app under chalice.test.Client, on the moto server."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from functools import partial
from typing import Any

import pytest
from chalice.test import Client

import app as blog_app
from chalicelib import aws
from tests.helpers.events import publish_source
from tests.helpers.local import PROJECT_DIR, SHARED_BLOG, reset_emulator

Publish = Callable[[str, str | bytes], None]


@pytest.fixture
def client(aws_resources: dict[str, Any]) -> Iterator[Client]:
    """A test client for the app, with a store on the freshly reset emulator."""
    blog_app.get_store.cache_clear()
    blog_app.get_reads.cache_clear()
    with Client(blog_app.app, stage_name="local", project_dir=str(PROJECT_DIR)) as test_client:
        yield test_client


@pytest.fixture
def publish(client: Client, s3: Any, request: pytest.FixtureRequest) -> Publish:
    """Upload a post and deliver its S3 event to the handler, as Lambda would."""
    assert SHARED_BLOG not in request.fixturenames, "a test on the shared blog must not publish"
    return partial(publish_source, client, s3)


@pytest.fixture(scope="module")
def shared_blog(moto_endpoint: str) -> Iterator[Publish]:
    """Publish, once per module, the blog that the module's read-only tests share.

    A module's fixture publishes through this; tests that use that fixture skip the
    per-test reset, so they must only read. The emulator is reset before and after.
    """
    s3 = reset_emulator(moto_endpoint)["s3"]
    blog_app.get_store.cache_clear()
    with Client(blog_app.app, stage_name="local", project_dir=str(PROJECT_DIR)) as client:
        yield partial(publish_source, client, s3)
    reset_emulator(moto_endpoint)


@pytest.fixture
def configure(monkeypatch: pytest.MonkeyPatch) -> Callable[..., None]:
    """Change the app's settings for one test, as a stage's environment variables would."""

    def _configure(**changes: Any) -> None:
        monkeypatch.setattr(blog_app, "SETTINGS", replace(blog_app.SETTINGS, **changes))

    return _configure


@pytest.fixture
def requests_made() -> Iterator[list[str]]:
    """Record the name of every DynamoDB request the app's client makes during a test."""
    made: list[str] = []
    events = aws.dynamodb_client().meta.events

    def record(model: Any, **_: Any) -> None:
        made.append(model.name)

    events.register("before-call.dynamodb", record)
    yield made
    events.unregister("before-call.dynamodb", record)
