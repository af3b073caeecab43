"""E2E fixtures: one local stack of `make run` for the session."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers.local_stack import LocalStack, start_stack


@pytest.fixture(scope="session")
def stack_dirs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Where the session's local stack keeps its data and log."""
    root = tmp_path_factory.mktemp("local-stack")
    return root / "content", root / "run.log"


@pytest.fixture(scope="session")
def local_stack(stack_dirs: tuple[Path, Path]) -> Iterator[LocalStack]:
    """One local stack for the e2e and browser tests of the session."""
    stack = start_stack(*stack_dirs)
    yield stack
    stack.stop()
