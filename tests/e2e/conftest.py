"""E2E fixtures: one local stack of `make run` for the session."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers.local_stack import LocalStack, start_stack


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
