"""`blogctl sync DIR`: mirror a site folder's posts/, pages/ and media/ to the bucket."""

from __future__ import annotations

import argparse
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from blogctl import pipeline
from blogctl.localfiles import FOLDERS, site_files
from blogctl.output import CommandError, add_command, add_json, format_table, print_json
from blogctl.publish import DEFAULT_TIMEOUT, exit_status
from blogctl.stages import Target
from blogctl.uploads import (
    DELETED,
    UNCHANGED,
    Blog,
    Outcome,
    progress_bar,
    upload_changed,
    wait_for_files,
)
from chalicelib.publishing import bulk
from chalicelib.publishing.comments import comments_key
from chalicelib.publishing.ingest import is_source_key

# DeleteObjects takes at most 1,000 keys a request.
_DELETES_AT_ONCE = 1000
# The summary's rows, in this order; anything else follows.
_ORDER = (
    pipeline.PUBLISHED,
    "updated",
    UNCHANGED,
    pipeline.SCHEDULED,
    pipeline.DRAFT,
    "uploaded",
    DELETED,
    pipeline.REJECTED,
    pipeline.WAITING,
)


@dataclass(frozen=True)
class SyncPlan:
    """What a sync does: the keys to upload, left alone and delete."""

    upload: list[str] = field(default_factory=list)
    same: list[str] = field(default_factory=list)
    delete: list[str] = field(default_factory=list)


def plan_sync(local: dict[str, str], remote: dict[str, str], delete: bool) -> SyncPlan:
    """Compare local MD5s with the bucket's ETags (key -> hex digest). Pure."""
    upload = [key for key, digest in local.items() if remote.get(key) != digest]
    same = [key for key, digest in local.items() if remote.get(key) == digest]
    # Only what mirrors the folder: errors/, inbox/, imports/ ... are never touched.
    gone = [key for key in remote if key not in local and key.startswith(FOLDERS)]
    return SyncPlan(upload, same, sorted(gone) if delete else [])


_WOULD_UPLOAD, _WOULD_DELETE = "would upload", "would delete"


def summarize(outcomes: list[Outcome]) -> str:
    """Return the summary table: one row per outcome, then one per rejected file's reason."""
    counts = Counter(outcome.state for outcome in outcomes)
    states = [s for s in _ORDER if counts[s]] + sorted(set(counts) - set(_ORDER))
    table = format_table(["outcome", "files"], [[s, str(counts[s])] for s in states])
    problems = [o for o in outcomes if o.state in (pipeline.REJECTED, pipeline.WAITING)]
    if problems:
        rows = [[o.path or o.key, _at(o), o.reason] for o in problems]
        table += "\n" + format_table(["file", "line", "reason"], rows)
    planned = [o for o in outcomes if o.state in (_WOULD_UPLOAD, _WOULD_DELETE)]
    if planned:  # a dry run names what it would change
        table += "\n" + format_table(["would", "file"], [[o.state[6:], o.key] for o in planned])
    return table or "nothing to sync\n"


def _at(outcome: Outcome) -> str:
    return f"{outcome.line}:{outcome.column}" if outcome.line is not None else "-"


def sync_folder(root: Path, blog: Blog, delete: bool, dry_run: bool) -> list[Outcome]:
    """Mirror the folder to the bucket and return every file's outcome."""
    paths = site_files(root)
    data = {key: path.read_bytes() for key, path in paths.items()}
    remote = pipeline.bucket_etags(blog.s3, blog.bucket, FOLDERS)
    plan = plan_sync({k: pipeline.md5_hex(v) for k, v in data.items()}, remote, delete)
    if dry_run:
        planned = [Outcome(k, _WOULD_UPLOAD) for k in plan.upload]
        planned += [Outcome(k, _WOULD_DELETE) for k in plan.delete]
        return [*planned, *(Outcome(k, UNCHANGED) for k in plan.same)]
    changed = {key: data[key] for key in plan.upload}
    before = blog.store.maintenance.source_index()
    claimed = _claim_for_bulk(changed, blog)
    with progress_bar(len(plan.upload), "uploading", blog.waiting.progress) as bar:
        uploaded = upload_changed(changed, blog, remote, bar.update)
    if claimed:
        objects = bulk.uploaded_sources(
            blog.s3, blog.bucket, {key: data[key] for key in claimed}, _comments(claimed, data)
        )
        bulk.publish_bulk(objects, blog.s3, blog.store, blog.settings)
    outcomes = wait_for_files(changed, uploaded, before, blog)
    outcomes.update(_unchanged(plan.same, data, blog))
    for key in plan.delete[::-1]:  # deleted later in one go, listed here
        outcomes[key] = Outcome(key, DELETED)
    _delete(blog, plan.delete)
    for key, outcome in outcomes.items():
        outcome.path = str(paths[key]) if key in paths else ""
    return list(outcomes.values())


def _claim_for_bulk(changed: dict[str, bytes], blog: Blog) -> set[str]:
    """Claim the new posts of a sync into a blog with none, to publish them in bulk.

    A claimed source's S3 event finds it published and changes nothing (as in
    `blogctl import`); anything else waits for its own event.
    """
    chosen = bulk.bulk_candidates(blog.store, changed)
    bulk.claim(blog.store, {key: pipeline.md5_hex(changed[key]) for key in chosen})
    return chosen


def _comments(keys: set[str], data: dict[str, bytes]) -> dict[str, bytes]:
    return {key: data[comments_key(key)] for key in keys if comments_key(key) in data}


def _unchanged(keys: list[str], data: dict[str, bytes], blog: Blog) -> dict[str, Outcome]:
    """Say which unchanged sources stay rejected: one listing of errors/, no uploads."""
    etags = {key: pipeline.md5_hex(data[key]) for key in keys if is_source_key(key)}
    outcomes = {key: Outcome(key, UNCHANGED) for key in keys}
    for key, reason, published in pipeline.filed_reports(list(etags), etags, blog.s3, blog.bucket):
        if not published:
            outcomes[key] = Outcome(key, pipeline.REJECTED, reason=reason)
    return outcomes


def _delete(blog: Blog, keys: list[str]) -> None:
    for start in range(0, len(keys), _DELETES_AT_ONCE):
        chunk = [{"Key": key} for key in keys[start : start + _DELETES_AT_ONCE]]
        blog.s3.delete_objects(Bucket=blog.bucket, Delete={"Objects": chunk, "Quiet": True})


def run_sync(args: argparse.Namespace, target: Target) -> int:
    """Mirror DIR's posts/, pages/ and media/ folders to the bucket, then summarize.

    Only files whose MD5 differs from the bucket's ETag are uploaded, so a second run
    with nothing changed uploads nothing. Each uploaded post or page waits for its
    outcome. --delete also removes files under posts/, pages/ and media/ in the bucket
    that DIR lacks (never anything else: errors/, inbox/ ... stay). Exit status 1 if any
    file was rejected or had no outcome before --timeout.
    """
    root: Path = args.dir
    if not root.is_dir():
        raise CommandError(f"no such folder: {root}")
    if not any((root / folder).is_dir() for folder in FOLDERS):
        raise CommandError(f"{root} has no posts/, pages/ or media/ folder")
    blog = Blog.of(target, pipeline.Waiting(args.timeout, progress=not args.json))
    started = time.monotonic()
    outcomes = sync_folder(root, blog, args.delete, args.dry_run)
    if args.json:
        print_json([outcome.as_json() for outcome in outcomes])
    else:
        print(summarize(outcomes), end="")
        print(f"{len(outcomes)} file(s) in {time.monotonic() - started:.1f} s")
    return exit_status(outcomes)


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `blogctl sync` to the parser."""
    command = add_command(commands, "sync", run_sync, "mirror a site folder to the bucket")
    command.add_argument("dir", type=Path, metavar="DIR", help="the site folder")
    command.add_argument(
        "--delete", action="store_true", help="remove bucket files that DIR does not have"
    )
    command.add_argument(
        "--dry-run", action="store_true", help="say what would be uploaded and deleted"
    )
    command.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT * 5,
        metavar="SECONDS",
        help="how long to wait for the pipeline (default: %(default)g)",
    )
    add_json(command)
