"""`blogctl history`, `restore`, `trash` and `export`: nothing an author does is final."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from blogctl.export import SUBSCRIBERS_FILE, ExportError, export_blog
from blogctl.history import (
    NotVersioned,
    format_history,
    format_trash,
    history,
    list_trash,
)
from blogctl.localfiles import key_named
from blogctl.output import add_command
from blogctl.restore import CannotRestore, restore, wait_for_restore
from blogctl.siteurl import public_url, site_url
from blogctl.stages import Target
from chalicelib.storage.store import BlogStore
from chalicelib.storage.subscribers import Subscribers
from chalicelib.storage.transactions import WritableTable

# What main() reports as a plain error message (exit status 1).
ERRORS = (NotVersioned, CannotRestore, ExportError, ValueError)  # ValueError: a bad name
Runner = Callable[[argparse.Namespace, Target], int | None]


def run_history(args: argparse.Namespace, target: Target) -> None:
    """List a file's versions, newest first: time, size, version id, what changed."""
    settings = target.settings()
    key = key_named(args.file)
    entries = history(target.client("s3"), settings.bucket_name, key, args.limit)
    print(f"{key}: {len(entries)} version(s), newest first")
    for line in format_history(entries):
        print(line)


def run_restore(args: argparse.Namespace, target: Target) -> int:
    """Bring back a deleted file's last version, undo an overwrite, or restore --version ID.

    The kept version is copied over the current one; the pipeline republishes it. A
    deleted post's comments come back with it. Waits for the outcome, prints the address.
    """
    settings = target.settings()
    s3 = target.client("s3")
    key = key_named(args.file)
    restored = restore(s3, settings.bucket_name, key, args.version)
    when = f"{restored.version.modified:%Y-%m-%d %H:%M:%S}"
    print(f"restored {key} to version {restored.version.version_id} of {when}")
    for companion in restored.companions:
        print(f"restored {companion} with it")
    store = BlogStore(target.client("dynamodb"), settings.table_name)
    done = wait_for_restore(restored, s3, store, settings, args.timeout)
    if done.path:
        print(f"{done.outcome}: {public_url(site_url(target), done.path)}")
    elif done.outcome:
        print(f"{done.outcome}{': ' + done.reason if done.reason else ''}")
    return 0 if done.outcome in ("", "published", "scheduled", "kept private") else 1


def run_trash(args: argparse.Namespace, target: Target) -> None:
    """List deleted posts, pages and media, newest first, with the command to restore each."""
    settings = target.settings()
    trash = list_trash(target.client("s3"), settings.bucket_name)
    for line in format_trash(trash):
        print(line)
    print(f"{len(trash)} deleted file(s) in {settings.bucket_name}")


def run_export(args: argparse.Namespace, target: Target) -> None:
    """Write the whole blog to a new folder: posts, pages, comments, media and a manifest.

    `blogctl import DIR` publishes the same site from it on any stage.
    """
    settings = target.settings()
    folder: Path = args.directory
    table = WritableTable(target.client("dynamodb"), settings.table_name)
    subscribers = Subscribers(table)
    summary = export_blog(target.client("s3"), settings, folder, datetime.now(UTC), subscribers)
    print(f"exported {summary.files} file(s), {summary.total_bytes:,} bytes, to {folder}")
    print(f"subscribers in {folder / SUBSCRIBERS_FILE} (readable by you alone)")
    for key in summary.skipped:
        print(f"skipped {key!r}: not a file name inside the folder")


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register history, restore, trash and export with blogctl's parser."""
    history_cmd = add_command(
        commands, "history", run_history, "list a file's versions and changes"
    )
    history_cmd.add_argument("file", help="posts/NAME.md, pages/NAME.md or media/...")
    history_cmd.add_argument("--limit", type=int, default=50, help="at most this many (50)")
    restore_cmd = add_command(
        commands, "restore", run_restore, "bring back a deleted or overwritten file"
    )
    restore_cmd.formatter_class = argparse.RawDescriptionHelpFormatter
    restore_cmd.add_argument("file", help="posts/NAME.md, pages/NAME.md or media/...")
    restore_cmd.add_argument("--version", metavar="ID", help="a version id from history")
    restore_cmd.add_argument(
        "--timeout", type=float, default=120.0, metavar="SECONDS", help="wait this long (120)"
    )
    add_command(commands, "trash", run_trash, "list deleted files that can be restored")
    export_cmd = add_command(commands, "export", run_export, "write the whole blog to a folder")
    export_cmd.add_argument("directory", type=Path, help="a new or empty folder")
