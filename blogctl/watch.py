"""`blogctl watch DIR`: republish each file saved in a site folder, and say what happened."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from blogctl import pipeline
from blogctl.localfiles import FOLDERS, site_files
from blogctl.output import CommandError, add_command, add_json, print_json
from blogctl.stages import Target
from blogctl.uploads import Blog, head_etags, publish

# Polling mtimes needs no dependency and answers well within a second.
POLL_SECONDS = 0.2
Snapshot = dict[str, tuple[int, int]]  # key -> (mtime in ns, size)


def snapshot(root: Path) -> tuple[Snapshot, dict[str, Path]]:
    """Return the mtime and size of every file the site mirrors, and their paths."""
    paths = site_files(root)
    stamps: Snapshot = {}
    for key, path in paths.items():
        try:
            stat = path.stat()
        except OSError:
            continue  # removed since the listing
        stamps[key] = (stat.st_mtime_ns, stat.st_size)
    return stamps, paths


def changed_keys(before: Snapshot, after: Snapshot) -> list[str]:
    """Return the keys written or created between two snapshots (not removed ones). Pure."""
    return [key for key, stamp in after.items() if before.get(key) != stamp]


def saves(
    root: Path, seen: Snapshot, poll_seconds: float = POLL_SECONDS
) -> Iterator[dict[str, Path]]:
    """Yield the files saved since the last look (``seen`` at first), forever."""
    while True:
        time.sleep(poll_seconds)
        now, paths = snapshot(root)
        keys = changed_keys(seen, now)
        seen = now
        if keys:
            yield {key: paths[key] for key in keys}


def republish(saved: dict[str, Path], blog: Blog, as_json: bool) -> None:
    """Publish the saved files and print each outcome as soon as it is known."""
    started = time.monotonic()
    files = {}
    for key, path in saved.items():
        try:
            files[key] = path.read_bytes()
        except OSError:
            continue  # saved and removed again (an editor's temporary file)
    outcomes = publish(files, blog, head_etags(blog.s3, blog.bucket, list(files)))
    took = time.monotonic() - started
    for key, outcome in outcomes.items():
        outcome.path = str(saved[key])
        if as_json:
            print_json({**outcome.as_json(), "seconds": round(took, 3)})
        else:
            print(f"{time.strftime('%H:%M:%S')} {outcome.describe()}  ({took:.1f} s)", flush=True)


def run_watch(args: argparse.Namespace, target: Target) -> None:
    """Watch DIR's posts/, pages/ and media/ and republish each file when it is saved.

    Prints the post's URL once the pipeline has published it, or the rejection with its
    line and column, as soon as it is known. Files are polled every 0.2 s; deleting a
    file does not delete it from the bucket (blogctl sync --delete does). Ctrl-C stops.
    """
    root: Path = args.dir
    if not any((root / folder).is_dir() for folder in FOLDERS):
        raise CommandError(f"{root} has no posts/, pages/ or media/ folder")
    blog = Blog.of(target, pipeline.Waiting(args.timeout, poll_seconds=0.1, progress=False))
    first, _ = snapshot(root)
    # Said once the folder has been looked at: every save from now on is published.
    if args.json:
        print_json({"watching": str(root)})
    else:
        print(f"watching {root} (posts/, pages/, media/); Ctrl-C stops", flush=True)
    try:
        for saved in saves(root, first):
            republish(saved, blog, args.json)
    except KeyboardInterrupt:
        print("stopped", file=sys.stderr)


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `blogctl watch` to the parser."""
    command = add_command(commands, "watch", run_watch, "republish files as they are saved")
    command.add_argument("dir", type=Path, metavar="DIR", help="the site folder")
    command.add_argument(
        "--timeout",
        type=float,
        default=30.0,
        metavar="SECONDS",
        help="how long to wait for each save's outcome (default: %(default)g)",
    )
    add_json(command)
