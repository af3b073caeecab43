"""`blogctl history` and `blogctl trash`: the versions the content bucket keeps of a file."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from blogctl.changes import summarize_history
from chalicelib.bucket import MEDIA_PREFIX, PAGES_PREFIX, POSTS_PREFIX
from chalicelib.publishing.comments import COMMENTS_SUFFIX, comments_key
from chalicelib.publishing.ingest import is_source_key


@dataclass(frozen=True)
class Version:
    """One version of an object, or a delete marker (``deleted``)."""

    key: str
    version_id: str
    modified: datetime
    size: int
    deleted: bool
    latest: bool


@dataclass(frozen=True)
class HistoryEntry:
    """A version and what changed in it against the one before."""

    version: Version
    summary: str


@dataclass(frozen=True)
class Deleted:
    """A file whose current version is a delete marker: what `trash` lists."""

    key: str
    deleted_at: datetime
    restorable: Version | None  # the newest version before the deletion, if still kept


class NotVersioned(LookupError):
    """The bucket keeps no versions of this key (never written, or expired)."""


def list_versions(s3: Any, bucket: str, key: str) -> list[Version]:
    """Return every version and delete marker of exactly ``key``, newest first."""
    paginator = s3.get_paginator("list_object_versions")
    found: list[Version] = []
    for page in paginator.paginate(Bucket=bucket, Prefix=key):
        for entry in page.get("Versions", []):
            if entry["Key"] == key:
                found.append(_version(entry, deleted=False))
        for entry in page.get("DeleteMarkers", []):
            if entry["Key"] == key:
                found.append(_version(entry, deleted=True))
    # The current one first even if a clock tie puts another at the same second.
    return sorted(found, key=lambda v: (v.modified, v.latest), reverse=True)


def _version(entry: dict[str, Any], deleted: bool) -> Version:
    return Version(
        entry["Key"],
        str(entry.get("VersionId") or "null"),
        entry["LastModified"],
        0 if deleted else int(entry.get("Size", 0)),
        deleted,
        bool(entry.get("IsLatest")),
    )


def read_version(s3: Any, bucket: str, version: Version) -> bytes:
    """Return the bytes of one version of an object."""
    response = s3.get_object(Bucket=bucket, Key=version.key, VersionId=version.version_id)
    with response["Body"] as stream:
        data: bytes = stream.read()
    return data


def history(s3: Any, bucket: str, key: str, limit: int = 50) -> list[HistoryEntry]:
    """Return a file's newest ``limit`` versions, newest first, each with what it changed."""
    versions = list_versions(s3, bucket, key)
    if not versions:
        raise NotVersioned(f"s3://{bucket}/{key} has no versions: never written, or expired")
    # One version older than shown, so the oldest shown says what it changed.
    shown = versions[: limit + 1]
    oldest_first = list(reversed(shown))
    bodies = [None if v.deleted else read_version(s3, bucket, v) for v in oldest_first]
    summaries = summarize_history(key, bodies)
    entries = [HistoryEntry(v, s) for v, s in zip(oldest_first, summaries, strict=True)]
    if len(shown) > limit:
        entries = entries[1:]
    return list(reversed(entries))


def format_history(entries: list[HistoryEntry]) -> list[str]:
    """Return one line per version: time, size, version id, what changed."""
    lines = []
    for entry in entries:
        version = entry.version
        size = "-" if version.deleted else f"{version.size:,} B"
        current = " (current)" if version.latest else ""
        lines.append(
            f"{version.modified:%Y-%m-%d %H:%M:%S}  {size:>10}  {version.version_id}"
            f"  {entry.summary}{current}"
        )
    return lines


def list_trash(s3: Any, bucket: str) -> list[Deleted]:
    """Return the posts, pages and media whose current version is a deletion, newest first."""
    paginator = s3.get_paginator("list_object_versions")
    by_key: dict[str, list[Version]] = {}
    for prefix in (POSTS_PREFIX, PAGES_PREFIX, MEDIA_PREFIX):
        for page in paginator.paginate(Bucket=bucket, Prefix=prefix):
            for entry in page.get("Versions", []):
                by_key.setdefault(entry["Key"], []).append(_version(entry, deleted=False))
            for entry in page.get("DeleteMarkers", []):
                by_key.setdefault(entry["Key"], []).append(_version(entry, deleted=True))
    trash = []
    for key, versions in by_key.items():
        if key.endswith(COMMENTS_SUFFIX):
            continue  # restored with its post
        newest = sorted(versions, key=lambda v: (v.modified, v.latest), reverse=True)
        if newest[0].deleted:
            kept = next((v for v in newest if not v.deleted), None)
            trash.append(Deleted(key, newest[0].modified, kept))
    return sorted(trash, key=lambda d: d.deleted_at, reverse=True)


def format_trash(trash: list[Deleted]) -> list[str]:
    """Return one line per deleted file, with the command that brings it back."""
    lines = []
    for item in trash:
        if item.restorable is None:
            undo = "(no older version kept: cannot be restored)"
        else:
            undo = f"blogctl restore {item.key}"
        lines.append(f"{item.deleted_at:%Y-%m-%d %H:%M:%S}  {item.key}  {undo}")
    return lines


def companion_keys(key: str) -> list[str]:
    """Return the files that travel with a source: its comments file."""
    return [comments_key(key)] if is_source_key(key) else []
