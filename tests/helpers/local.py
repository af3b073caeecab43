"""The local stage the tests run as: the project's paths, its table and bucket, the emulator."""

from __future__ import annotations

import socket
import urllib.request
from pathlib import Path
from typing import Any

import boto3

from blogctl import provision
from devtools.localenv import local_environment

PROJECT_DIR = Path(__file__).resolve().parent.parent.parent
FIXTURES = PROJECT_DIR / "tests" / "fixtures"
# The local stage's names, as tests/conftest.py puts them in the environment.
TABLE_NAME = local_environment("")["TABLE_NAME"]
BUCKET_NAME = local_environment("")["BUCKET_NAME"]
# A test that depends on this fixture reads a blog its module published once (see
# tests/handlers/conftest.py): its emulator is not reset, so it must not change the blog.
SHARED_BLOG = "shared_blog"


def free_port() -> int:
    """Return a TCP port that is free on loopback right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def emulator_clients() -> dict[str, Any]:
    """Return DynamoDB and S3 clients on the emulator, as the fixtures hand them out."""
    return {"dynamodb": boto3.client("dynamodb"), "s3": boto3.client("s3")}


def reset_emulator(endpoint: str) -> dict[str, Any]:
    """Empty the moto server, then create just the table and the bucket; return their clients."""
    urllib.request.urlopen(urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST"))
    clients = emulator_clients()
    dynamodb, s3 = clients["dynamodb"], clients["s3"]
    provision.ensure_table(dynamodb, TABLE_NAME)
    provision.ensure_bucket(s3, BUCKET_NAME, "us-east-1")
    return clients
