"""`blogctl subscribers`: counts by state, and the list exported to or imported from CSV.

The list is the owner's: export writes every address with its state and dates; import
brings a list in, each valid address pending (or confirmed with --confirmed), and sends
no mail. Invalid rows are reported by line number and reason, never imported.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from blogctl.output import CommandError, add_command
from blogctl.stages import Target
from chalicelib.storage.subscribers import CONFIRMED, PENDING, STATES, SUPPRESSED, Subscribers
from chalicelib.storage.transactions import WritableTable
from chalicelib.subscriptions.forms import Refused, valid_address

EXPORT_COLUMNS = ("address", "state", "subscribed", "changed")
# Columns an imported CSV may name its addresses by; without a header, the first column.
ADDRESS_COLUMNS = ("address", "email", "e-mail", "email address")
_WRITERS = 8


@dataclass
class ImportResult:
    """What an import did: addresses added, already known, and rows refused (line, reason)."""

    added: int = 0
    known: int = 0
    refused: list[tuple[int, str]] = field(default_factory=list)


def run_subscribers(args: argparse.Namespace, target: Target) -> int:
    """Show how many readers subscribe by e-mail, by state; export or import the list.

    `blogctl subscribers` prints the counts. `export FILE.csv` writes every subscriber
    (address, state, subscribed, changed), readable by you only. `import FILE.csv`
    adds the addresses of a CSV (a column named address or email, else the first): as
    pending, or as confirmed with --confirmed when they already agreed elsewhere. No
    mail is sent on import. Known addresses are left as they are (a suppressed one
    stays suppressed); invalid rows are listed by line and not imported (exit status 1).
    """
    subscribers = Subscribers(
        WritableTable(target.client("dynamodb"), target.settings().table_name)
    )
    if args.action == "export":
        count = export_csv(subscribers, _file(args))
        print(f"wrote {count} subscriber(s) to {args.file}")
        return 0
    if args.action == "import":
        result = import_csv(
            subscribers, _file(args).read_text(encoding="utf-8-sig"), args.confirmed
        )
        for line, reason in result.refused:
            print(f"line {line}: not imported: {reason}")
        state = "confirmed" if args.confirmed else "pending"
        print(
            f"{result.added} added ({state}), {result.known} already known, "
            f"{len(result.refused)} refused; no mail was sent"
        )
        return 1 if result.refused else 0
    for state, count in subscribers.counts().items():
        print(f"{state:>12}: {count}")
    return 0


def export_csv(subscribers: Subscribers, path: Path) -> int:
    """Write every subscriber to a CSV only its owner can read; return how many."""
    rows = 0
    # Addresses are personal data: the file is the owner's alone (mode 600).
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with open(descriptor, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(EXPORT_COLUMNS)
        for state in STATES:
            for subscriber in subscribers.listed(state):
                writer.writerow((subscriber.address, state, subscriber.created, subscriber.changed))
                rows += 1
    return rows


def restore_csv(subscribers: Subscribers, text: str) -> ImportResult:
    """Bring back an export's subscribers in their states (no mail is sent).

    Confirmed and pending readers come back as they were, a suppressed address stays
    suppressed; whoever unsubscribed is left out, as they asked.
    """
    result = ImportResult()
    for line, row in _rows(text):
        address, state = row.get("address", ""), row.get("state", "")
        try:
            address = valid_address(address)
        except Refused as refused:
            result.refused.append((line, _REASONS.get(refused.reason, refused.reason)))
            continue
        if state == SUPPRESSED:
            subscribers.suppress(address, "suppressed before the export")
        elif state in (CONFIRMED, PENDING):
            added = subscribers.add(address, state == CONFIRMED)
            result.added += added
            result.known += not added
    return result


def _rows(text: str) -> Iterator[tuple[int, dict[str, str]]]:
    reader = csv.DictReader(io.StringIO(text))
    for row in reader:
        yield reader.line_num, {k: (v or "").strip() for k, v in row.items() if k}


def import_csv(subscribers: Subscribers, text: str, confirmed: bool) -> ImportResult:
    """Add each valid address of a CSV (no mail is sent); report the rows refused."""
    result = ImportResult()
    valid: list[str] = []
    for line, address in _addresses(text):
        try:
            valid.append(valid_address(address))
        except Refused as refused:
            result.refused.append((line, _REASONS.get(refused.reason, refused.reason)))
    with ThreadPoolExecutor(_WRITERS) as pool:
        for added in pool.map(lambda a: subscribers.add(a, confirmed), valid):
            result.added += added
            result.known += not added
    return result


_REASONS = {
    "injection": "holds a line break or control character",
    "several": "more than one address, or a display name",
    "invalid": "not a valid e-mail address",
}


def _addresses(text: str) -> Iterator[tuple[int, str]]:
    reader = csv.reader(io.StringIO(text))
    column, last = 0, 0
    for row in reader:
        # A quoted cell may span lines: a row is reported by the line it starts on.
        line, last = last + 1, reader.line_num
        cells = [cell.strip() for cell in row]
        if not any(cells):
            continue
        if line == 1 and "@" not in cells[0]:
            names = [cell.lower() for cell in cells]
            found = [names.index(n) for n in ADDRESS_COLUMNS if n in names]
            column = found[0] if found else 0
            continue
        yield line, cells[column] if column < len(cells) else ""


def _file(args: argparse.Namespace) -> Path:
    if args.file is None:
        raise CommandError(f"subscribers {args.action} needs a FILE.csv")
    path: Path = args.file
    if args.action == "import" and not path.is_file():
        raise CommandError(f"no such file: {path}")
    return path


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `blogctl subscribers [export|import FILE.csv]` to the parser."""
    command = add_command(
        commands,
        "subscribers",
        run_subscribers,
        "readers subscribed by e-mail: counts, export, import (no mail sent)",
    )
    command.add_argument(
        "action", nargs="?", choices=("export", "import"), help="omit to print the counts"
    )
    command.add_argument("file", nargs="?", type=Path, metavar="FILE.csv", help="the CSV file")
    command.add_argument(
        "--confirmed",
        action="store_true",
        help="import as confirmed (they agreed elsewhere) instead of pending",
    )
