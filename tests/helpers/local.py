"""The local stage the tests run as: the project's paths, its table and bucket, the emulator."""

from __future__ import annotations

import functools
import os
import shutil
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
# The e2e modules share one local stack per test process (tests/e2e/conftest.py).
E2E_DIR = "tests/e2e/"


def work_unit(nodeid: str) -> str:
    """Name the tests that one pytest-xdist worker runs together: a module, or all of e2e."""
    module = nodeid.split("::", 1)[0]
    return E2E_DIR if module.startswith(E2E_DIR) else module


def free_port() -> int:
    """Return a TCP port that is free on loopback right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def emulator_clients() -> dict[str, Any]:
    """Return DynamoDB and S3 clients on the emulator, as the fixtures hand them out."""
    return dict(_clients(os.environ.get("AWS_ENDPOINT_URL", "")))


@functools.cache
def _clients(endpoint: str) -> tuple[tuple[str, Any], ...]:
    # Made once per emulator: building a boto3 client takes longer than resetting moto,
    # and the tests that reset it for a clean start number in the hundreds.
    return ("dynamodb", boto3.client("dynamodb")), ("s3", boto3.client("s3"))


def reset_emulator(endpoint: str) -> dict[str, Any]:
    """Empty the moto server, then create just the table and the bucket; return their clients."""
    urllib.request.urlopen(urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST"))
    clients = emulator_clients()
    dynamodb, s3 = clients["dynamodb"], clients["s3"]
    provision.ensure_table(dynamodb, TABLE_NAME)
    provision.ensure_bucket(s3, BUCKET_NAME, "us-east-1")
    return clients


def copy_project(copy: Path) -> Path:
    """Copy what `chalice package` and `chalice deploy` read, so they leave the repo untouched.

    (Its .chalice/deployments/ cache would otherwise change under tests that copy .chalice/.)
    """
    copy.mkdir(parents=True)
    for name in ("app.py", "requirements.txt"):
        shutil.copy(PROJECT_DIR / name, copy / name)
    for name in ("chalicelib", "templates", "locale"):
        shutil.copytree(PROJECT_DIR / name, copy / name)
    # vendor/templates and vendor/locale stay the committed relative links.
    shutil.copytree(PROJECT_DIR / "vendor", copy / "vendor", symlinks=True)
    ignore = shutil.ignore_patterns("deployed", "deployments", "venv")
    shutil.copytree(PROJECT_DIR / ".chalice", copy / ".chalice", ignore=ignore)
    return copy
