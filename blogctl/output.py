"""What authoring commands print: plain lines and tables for people, JSON for programs."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from typing import Any, TextIO


class CommandError(Exception):
    """A command cannot run as asked; the message says why."""


def format_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Align rows under headers in columns two spaces apart; the last column is not padded."""
    if not rows:
        return ""
    widths = [max(len(str(row[i])) for row in [headers, *rows]) for i in range(len(headers))]

    def line(cells: Sequence[str]) -> str:
        padded = [str(cell).ljust(width) for cell, width in zip(cells, widths, strict=True)]
        return "  ".join(padded).rstrip()

    return "\n".join([line(headers), *(line(row) for row in rows)]) + "\n"


def print_json(value: Any, stream: TextIO | None = None) -> None:
    """Write one JSON document (or one line of JSON Lines) and flush it at once."""
    out = stream or sys.stdout
    out.write(json.dumps(value, ensure_ascii=False, default=str) + "\n")
    out.flush()


def add_json(command: argparse.ArgumentParser) -> None:
    """Give an authoring command its --json option (after the command's name)."""
    command.add_argument(
        "--json", action="store_true", help="print JSON for programs instead of text"
    )


def add_command(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    name: str,
    run: Callable[..., int | None],
    summary: str,
) -> argparse.ArgumentParser:
    """Add a command whose runner is ``run``: its docstring is the command's --help text."""
    command = commands.add_parser(name, help=summary, description=run.__doc__)
    command.set_defaults(run=run)
    return command
