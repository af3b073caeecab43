"""`blogctl publish FILE...`: upload files, wait for the pipeline, print URLs or reasons."""

from __future__ import annotations

import argparse
from pathlib import Path

from blogctl import pipeline
from blogctl.localfiles import key_for
from blogctl.output import CommandError, add_command, add_json, print_json
from blogctl.stages import Target
from blogctl.uploads import Blog, Outcome, head_etags, publish

DEFAULT_TIMEOUT = 60.0


def read_files(paths: list[Path]) -> tuple[dict[str, bytes], dict[str, Path]]:
    """Read each file and find its key; refuse a missing file or two files at one key."""
    files: dict[str, bytes] = {}
    where: dict[str, Path] = {}
    for path in paths:
        if not path.is_file():
            raise CommandError(f"no such file: {path}")
        try:
            key = key_for(path)
        except ValueError as error:
            raise CommandError(str(error)) from error
        if key in where and where[key].absolute() != path.absolute():
            raise CommandError(f"{where[key]} and {path} would both be {key}")
        files[key], where[key] = path.read_bytes(), path
    return files, where


def publish_files(paths: list[Path], blog: Blog) -> list[Outcome]:
    """Publish the files and return what became of each, in the order given."""
    files, where = read_files(paths)
    outcomes = publish(files, blog, head_etags(blog.s3, blog.bucket, list(files)))
    for key, outcome in outcomes.items():
        outcome.path = str(where[key])
    return list(outcomes.values())


def exit_status(outcomes: list[Outcome]) -> int:
    """Return 1 if any file was rejected or got no outcome in time, else 0."""
    failed = (pipeline.REJECTED, pipeline.WAITING)
    return 1 if any(outcome.state in failed for outcome in outcomes) else 0


def run_publish(args: argparse.Namespace, target: Target) -> int:
    """Upload each file and wait for its outcome: published, updated, unchanged, scheduled,
    draft or rejected.

    A file's folder says where it goes: a .md file in a posts/ or pages/ folder becomes
    posts/<name>.md or pages/<name>.md; a file under a media/ folder keeps its path from
    there (media/2024/photo.jpg). A published file's public URL is printed; a rejected
    one's reason, with the line and column when the parser names them. Exit status 1 if
    any file was rejected or had no outcome before --timeout.
    """
    blog = Blog.of(target, pipeline.Waiting(args.timeout, progress=not args.json))
    outcomes = publish_files(args.files, blog)
    for outcome in outcomes:
        if args.json:
            print_json(outcome.as_json())
        else:
            print(outcome.describe())
    return exit_status(outcomes)


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `blogctl publish` to the parser."""
    command = add_command(
        commands,
        "publish",
        run_publish,
        "upload files and wait until each is published (or why not)",
    )
    command.add_argument("files", nargs="+", type=Path, metavar="FILE", help="files to publish")
    command.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT,
        metavar="SECONDS",
        help="how long to wait for the pipeline (default: %(default)g)",
    )
    add_json(command)
