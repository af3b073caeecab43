"""Import a folder `blogctl export` wrote: the same bytes at the same keys, then publish.

Unlike the other formats nothing is converted: each file goes back exactly as exported,
with its content type and S3 metadata. A post whose front matter has no date was dated
by its object's upload time, so that time travels as ``published`` metadata
(chalicelib/publishing/parsing.py reads it first) and the post keeps its date and URL.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from blogctl.export import EXPORTED_PREFIXES, FORMAT, MANIFEST, SUBSCRIBERS_FILE, sha256_file
from blogctl.importing import report as outcomes
from blogctl.importing.report import ImportReport
from blogctl.importing.run import ImportOptions, wait_for_outcomes
from blogctl.localfiles import content_type
from blogctl.pipeline import BeforePoll, bucket_etags
from blogctl.restore import PUBLISHED_METADATA, site_path
from blogctl.subscribers import restore_csv
from chalicelib.bucket import MEDIA_PREFIX, is_clean_key
from chalicelib.config import Settings
from chalicelib.publishing.ingest import is_source_key
from chalicelib.publishing.parsing import ParseError, SourceDocument
from chalicelib.storage.store import BlogStore
from chalicelib.storage.subscribers import Subscribers

EXPORT_FORMAT = "export"


def is_export_folder(path: Path) -> bool:
    """Tell whether a folder holds a `blogctl export` manifest."""
    manifest = path / MANIFEST
    if not manifest.is_file():
        return False
    try:
        return bool(json.loads(manifest.read_text(encoding="utf-8")).get("format") == FORMAT)
    except (ValueError, AttributeError):
        return False


def import_export(
    path: Path,
    options: ImportOptions,
    s3: Any,
    store: BlogStore,
    report: ImportReport,
    before_poll: BeforePoll | None = None,
) -> ImportReport:
    """Upload every exported file (media, comments, then sources), wait, and report."""
    assert options.settings is not None, "an export is imported into a known stage"
    settings = options.settings
    files = _checked_files(path, report)
    existing = bucket_etags(s3, settings.bucket_name, EXPORTED_PREFIXES)
    waiting: dict[str, str] = {}
    # Comments before their post: the pipeline reads them when it publishes the post.
    for entry in sorted(files, key=lambda e: (is_source_key(e["key"]), e["key"])):
        key, body = entry["key"], (path / entry["key"]).read_bytes()
        md5 = _md5(body)
        if existing.get(key) == md5:
            _count(report, key, outcomes.UNCHANGED, outcomes.MEDIA_UNCHANGED)
            continue
        if key in existing and not options.replace:
            report.counts[outcomes.CLASH] += 1
            report.note(MANIFEST, key, "clash: kept the existing file (--replace overwrites it)")
            continue
        metadata = dict(entry.get("metadata") or {})
        if is_source_key(key):
            metadata.setdefault(PUBLISHED_METADATA, entry["last_modified"])
        if key.startswith(MEDIA_PREFIX):
            report.counts[outcomes.MEDIA_COPIED] += 1
        elif not is_source_key(key):
            pass  # a comments file: published with its post
        elif _is_draft(key, body, metadata, settings):
            report.counts[outcomes.PRIVATE] += 1
        else:
            waiting[key] = md5
        if not options.dry_run:
            # The type follows the name, as publish's: never the manifest's word for it.
            s3.put_object(
                Bucket=settings.bucket_name,
                Key=key,
                Body=body,
                Metadata=metadata,
                ContentType=content_type(key),
            )
    if not options.dry_run:
        _restore_subscribers(path, store, report)
    if options.dry_run:
        report.counts[outcomes.PUBLISHED] += len(waiting)
        return report
    results = wait_for_outcomes(waiting, store, s3, settings.bucket_name, options, before_poll)
    for key, (outcome, reason) in results.items():
        report.counts[outcome] += 1
        if reason:
            report.note(MANIFEST, key, reason)
    return report


def _restore_subscribers(path: Path, store: BlogStore, report: ImportReport) -> None:
    """Bring back the readers' subscriptions the export holds, if it holds them."""
    named = json.loads((path / MANIFEST).read_text(encoding="utf-8")).get("subscribers")
    if not isinstance(named, dict) or named.get("file") != SUBSCRIBERS_FILE:
        return
    csv_file = path / SUBSCRIBERS_FILE
    if not csv_file.is_file() or csv_file.is_symlink():
        report.note(MANIFEST, SUBSCRIBERS_FILE, "rejected: the subscribers file is missing")
        return
    result = restore_csv(Subscribers(store.table), csv_file.read_text(encoding="utf-8"))
    report.counts[outcomes.SUBSCRIBERS] += result.added
    for line, reason in result.refused:
        report.note(SUBSCRIBERS_FILE, f"line {line}", f"not restored: {reason}")


def _checked_files(path: Path, report: ImportReport) -> list[dict[str, Any]]:
    """Return the manifest's entries whose file is there, unaltered, at a key we write."""
    manifest = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
    root = path.resolve()
    checked = []
    for entry in manifest.get("files", []):
        key = entry.get("key") if isinstance(entry, dict) else None
        problem = ""
        if not isinstance(key, str) or not key.startswith(EXPORTED_PREFIXES):
            problem = "not a post, page or media key"
        elif not is_clean_key(key):
            problem = "not a plain key (an empty, '.' or '..' part, or a backslash)"
        elif not (root / key).resolve().is_relative_to(root) or not (root / key).is_file():
            problem = "its file is missing from the folder"
        elif sha256_file(root / key) != entry.get("sha256"):
            problem = "its file changed since the export (SHA-256 differs)"
        if problem:
            report.counts[outcomes.REJECTED] += 1
            report.note(MANIFEST, str(key), f"rejected: {problem}")
        else:
            checked.append(entry)
    return checked


def _is_draft(key: str, body: bytes, metadata: dict[str, str], settings: Settings) -> bool:
    # A draft is never published, so there is nothing to wait for. A file publishing
    # refuses is waited for: its report then says why.
    try:
        return site_path(SourceDocument(key, body, datetime.now(UTC), metadata), settings)[1]
    except ParseError:
        return False


def _count(report: ImportReport, key: str, source: str, other: str) -> None:
    report.counts[source if is_source_key(key) else other] += 1


def _md5(data: bytes) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()
