"""Shared fixtures. Every test talks to a moto server over HTTP, never to AWS."""

from __future__ import annotations

import logging
import os
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# Set before anything imports app.py, which reads its settings at import time, as
# Lambda does: the "local" stage of .chalice/config.json, with dummy credentials.
# Until the moto server starts, every client points at a closed local port, so a
# test that forgets the fixture fails instead of reaching AWS.
from devtools.localenv import local_environment  # noqa: E402

os.environ.update(local_environment("http://127.0.0.1:9"))
os.environ.pop("AWS_PROFILE", None)

from chalicelib import aws  # noqa: E402
from chalicelib.config import Settings, load_settings  # noqa: E402
from chalicelib.storage.store import BlogStore  # noqa: E402
from tests.helpers.local import (  # noqa: E402
    SHARED_BLOG,
    TABLE_NAME,
    emulator_clients,
    free_port,
    reset_emulator,
    work_unit,
)

logging.getLogger("werkzeug").setLevel(logging.WARNING)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run each module's tests on its shared blog first, so that blog is published once.

    Under pytest-xdist, slow modules come first besides (those marked slow as a whole,
    then those with most slow tests): each worker takes a module at a time, and a long
    one started last would finish alone.
    """
    first: dict[Path, int] = {}
    weight: Counter[str] = Counter()
    for index, item in enumerate(items):
        first.setdefault(item.path, index)
        if item.get_closest_marker("slow") is not None:
            module = item.getparent(pytest.Module)
            whole = module is not None and module.get_closest_marker("slow") is not None
            weight[work_unit(item.nodeid)] += 1000 if whole else 1
    heavy_first = bool(os.environ.get("PYTEST_XDIST_WORKER"))

    def order(pair: tuple[int, pytest.Item]) -> tuple[int, int, bool, int]:
        index, item = pair
        heaviness = -weight[work_unit(item.nodeid)] if heavy_first else 0
        shared = SHARED_BLOG in getattr(item, "fixturenames", ())
        return heaviness, first[item.path], not shared, index

    items[:] = [item for _, item in sorted(enumerate(items), key=order)]


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """Hand pytest-xdist's workers whole modules, and all of tests/e2e/ to one worker."""
    from xdist.scheduler import LoadScopeScheduling

    class ModuleScheduling(LoadScopeScheduling):  # type: ignore[misc]
        """Module fixtures (a shared blog, a package build) then run once, not per worker."""

        def _split_scope(self, nodeid: str) -> str:
            return work_unit(nodeid)

    # The order is the collection's (heaviest first, above), not the number of tests.
    config.option.loadscopereorder = False
    return ModuleScheduling(config, log)


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
def aws_resources(moto_endpoint: str, request: pytest.FixtureRequest) -> dict[str, Any]:
    """Start each test from an empty emulator holding just the table and the bucket.

    A test on its module's shared blog starts from that blog instead, published once.
    """
    if SHARED_BLOG in request.fixturenames:
        return emulator_clients()
    return reset_emulator(moto_endpoint)


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
