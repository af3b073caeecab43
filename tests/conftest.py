"""Shared fixtures. Every test talks to a moto server over HTTP, never to AWS."""

from __future__ import annotations

import logging
import os
import socket
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest

# Set before anything imports app.py, which reads its settings at import time, as
# Lambda does: the "local" stage of .chalice/config.json, with dummy credentials.
# Until the moto server starts, every client points at a closed local port, so a
# test that forgets the fixture fails instead of reaching AWS.
from devtools.localenv import local_environment  # noqa: E402

os.environ.update(local_environment("http://127.0.0.1:9"))
os.environ.pop("AWS_PROFILE", None)
TABLE_NAME = os.environ["TABLE_NAME"]
BUCKET_NAME = os.environ["BUCKET_NAME"]

from blogctl import provision  # noqa: E402
from chalicelib import aws  # noqa: E402
from chalicelib.config import Settings, load_settings  # noqa: E402
from chalicelib.storage.store import BlogStore  # noqa: E402

logging.getLogger("werkzeug").setLevel(logging.WARNING)
PROJECT_DIR = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def free_port() -> int:
    """Return a TCP port that is free on loopback right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """Run one moto server for the session and point boto3 at it."""
    from devtools.emulator import SerialMotoServer

    port = free_port()
    server = SerialMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    os.environ["AWS_ENDPOINT_URL"] = endpoint
    aws.reset_clients()
    yield endpoint
    server.stop()


@pytest.fixture
def aws_resources(moto_endpoint: str) -> dict[str, Any]:
    """Start each test from an empty emulator holding just the table and the bucket."""
    urllib.request.urlopen(urllib.request.Request(f"{moto_endpoint}/moto-api/reset", method="POST"))
    dynamodb, s3 = boto3.client("dynamodb"), boto3.client("s3")
    provision.ensure_table(dynamodb, TABLE_NAME)
    provision.ensure_bucket(s3, BUCKET_NAME, "us-east-1")
    return {"dynamodb": dynamodb, "s3": s3}


@pytest.fixture
def settings() -> Settings:
    """Settings as the deployed app reads them."""
    return load_settings()


@pytest.fixture
def store(aws_resources: dict[str, Any]) -> BlogStore:
    """A store on the emulator's empty table."""
    return BlogStore(aws_resources["dynamodb"], TABLE_NAME)


@pytest.fixture
def s3(aws_resources: dict[str, Any]) -> Any:
    """An S3 client on the emulator with the empty content bucket."""
    return aws_resources["s3"]


def fixture_text(name: str) -> str:
    """Read a Markdown fixture."""
    return (FIXTURES / "posts" / name).read_text(encoding="utf-8")


def make_post_markdown(
    title: str,
    date: str,
    tags: list[str] | None = None,
    categories: list[str] | None = None,
    body: str = "Body text.",
) -> str:
    """Build a Markdown post with front matter."""
    lines = ["---", f"title: {title}", f"date: {date}"]
    if tags is not None:
        lines.append(f"tags: [{', '.join(tags)}]")
    if categories is not None:
        lines.append(f"categories: [{', '.join(categories)}]")
    return "\n".join([*lines, "---", body, ""])


UPLOAD_TIME = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def term_counts(store: BlogStore) -> tuple[list[Any], list[Any], list[str]]:
    """Return the categories and tags with their counts, and the months with posts."""
    index = store.reads.site_index()[1]
    return list(index.categories), list(index.tags), list(index.months)


def days_with_posts(store: BlogStore, year: int, month: int) -> set[int]:
    """Return the days of a month that the calendar links."""
    return set(store.reads.page_data(month=f"{year:04d}-{month:02d}").days)
