"""`blogctl export DIR`: the whole blog as a portable folder, with a manifest.

posts/, pages/ and media/ are written exactly as stored: the same bytes at the same
keys, comments files (``*.comments.json``) beside their posts. ``manifest.json`` lists
every file with its size, SHA-256, content type, S3 metadata and last-modified time,
which `blogctl import DIR` uses to publish the same site again
(blogctl/importing/exported.py).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from blogctl.subscribers import export_csv
from chalicelib.bucket import MEDIA_PREFIX, PAGES_PREFIX, POSTS_PREFIX, is_clean_key
from chalicelib.config import Settings
from chalicelib.storage.subscribers import Subscribers

MANIFEST = "manifest.json"
FORMAT = "chalice-blog-export"
FORMAT_VERSION = 1
EXPORTED_PREFIXES = (POSTS_PREFIX, PAGES_PREFIX, MEDIA_PREFIX)
# Readers' subscriptions (blogctl subscribers export's CSV: address, state, dates), named
# by the manifest's "subscribers"; null when the export was made without them.
SUBSCRIBERS_FILE = "subscribers.csv"


class ExportError(ValueError):
    """The export cannot be written as asked; the message says why."""


@dataclass(frozen=True)
class ExportSummary:
    """What an export wrote."""

    files: int
    total_bytes: int
    skipped: tuple[str, ...]  # keys that cannot be a file name inside the folder


def export_blog(
    s3: Any,
    settings: Settings,
    directory: Path,
    exported_at: datetime,
    subscribers: Subscribers | None = None,
) -> ExportSummary:
    """Write every post, page, comments file and media file, the subscribers, the manifest."""
    if directory.exists() and any(directory.iterdir()):
        raise ExportError(f"{directory} is not empty: export into a new or empty folder")
    root = directory.resolve()
    entries: list[dict[str, Any]] = []
    skipped: list[str] = []
    for key in _keys(s3, settings.bucket_name):
        path = (root / key).resolve()
        # posts/../pages/a.md is a key of its own, which a folder would write over pages/a.md.
        if not is_clean_key(key) or not path.is_relative_to(root) or path == root:
            skipped.append(key)
            continue
        entries.append(_export_object(s3, settings.bucket_name, key, path))
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "exported_at": exported_at.isoformat(),
        "bucket": settings.bucket_name,
        "site": site_settings(settings),
        "files": entries,
        "subscribers": None,
        "skipped": skipped,
    }
    root.mkdir(parents=True, exist_ok=True)
    if subscribers is not None:
        count = export_csv(subscribers, root / SUBSCRIBERS_FILE)
        manifest["subscribers"] = {"file": SUBSCRIBERS_FILE, "count": count}
    (root / MANIFEST).write_text(
        json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return ExportSummary(len(entries), sum(e["size"] for e in entries), tuple(skipped))


def site_settings(settings: Settings) -> dict[str, Any]:
    """Return the settings that shape the pages, to set on the stage imported into."""
    return {
        "SITE_TITLE": settings.site_title,
        "SITE_TAGLINE": settings.site_tagline,
        "SITE_TIMEZONE": settings.timezone.key,
        "POSTS_PER_PAGE": settings.posts_per_page,
        "BASE_PATH": settings.base_path,
        "SITE_URL": settings.site_url,
    }


def _keys(s3: Any, bucket: str) -> list[str]:
    paginator = s3.get_paginator("list_objects_v2")
    return [
        entry["Key"]
        for prefix in EXPORTED_PREFIXES
        for page in paginator.paginate(Bucket=bucket, Prefix=prefix)
        for entry in page.get("Contents", [])
    ]


def _export_object(s3: Any, bucket: str, key: str, path: Path) -> dict[str, Any]:
    response = s3.get_object(Bucket=bucket, Key=key)
    path.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    with response["Body"] as stream, open(path, "wb") as out:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
            out.write(chunk)
            size += len(chunk)
    return {
        "key": key,
        "size": size,
        "sha256": digest.hexdigest(),
        "content_type": response.get("ContentType", ""),
        "metadata": dict(response.get("Metadata", {})),
        "last_modified": response["LastModified"].isoformat(),
    }


def sha256_file(path: Path) -> str:
    """Return a file's SHA-256, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
