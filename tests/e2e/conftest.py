"""E2E fixtures: one local stack of `make run` and one Chromium for tests/e2e/."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.local_stack import LocalStack, start_stack

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


# One Chromium for the package: test_browser.py and test_validity.py both drive it.
@pytest.fixture(scope="package")
def browser() -> Iterator[Any]:
    """Launch Debian's Chromium; CI sets REQUIRE_BROWSER so a missing one fails there."""
    if not CHROMIUM.exists():
        if os.environ.get("REQUIRE_BROWSER"):
            pytest.fail("/usr/bin/chromium is missing (apt-get install chromium chromium-driver)")
        pytest.skip("/usr/bin/chromium is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture(scope="package")
def stack_dirs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Where the session's local stack keeps its data and log."""
    root = tmp_path_factory.mktemp("local-stack")
    return root / "content", root / "run.log"


# Package scope: the stack stops once tests/e2e/ is done, rather than polling its queue
# ten times a second through the rest of the session.
@pytest.fixture(scope="package")
def local_stack(stack_dirs: tuple[Path, Path]) -> Iterator[LocalStack]:
    """One local stack for the e2e and browser tests of the session."""
    stack = start_stack(*stack_dirs)
    yield stack
    stack.stop()
