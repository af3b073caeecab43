"""`blogctl restore`: copy a kept version of a file over the current one, and wait for it.

The copy is a new current version, so the normal pipeline republishes it: nothing here
writes the table. A deleted post's comments file comes back with it when it was deleted
at the same time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from blogctl.history import NotVersioned, Version, companion_keys, list_versions
from blogctl.importing import report as outcomes
from blogctl.importing.run import ImportOptions, wait_for_outcomes
from chalicelib.bucket import PAGES_PREFIX
from chalicelib.config import Settings
from chalicelib.publishing.build import build_page, build_post
from chalicelib.publishing.ingest import is_source_key
from chalicelib.publishing.parsing import ParseError, SourceDocument
from chalicelib.site import urls
from chalicelib.storage.store import BlogStore

# A comments file deleted this close to its post's deletion went with it.
DELETED_TOGETHER = timedelta(minutes=10)
# The date a post without one in its front matter was first published (parsing.py reads it).
PUBLISHED_METADATA = "published"


class CannotRestore(ValueError):
    """There is no version to restore as asked; the message says why."""


@dataclass(frozen=True)
class Restored:
    """What a restore copied, and what the pipeline made of it."""

    key: str
    version: Version
    companions: tuple[str, ...]
    outcome: str = ""
    reason: str = ""
    path: str = ""  # the site path it is published at, "" if none


def choose_version(versions: list[Version], version_id: str | None) -> Version:
    """Pick what to restore: the given version, else undo the file's last change.

    A deleted file gets its newest kept version; an overwritten one, the version before.
    """
    if not versions:
        raise CannotRestore("the bucket keeps no version of it: never written, or expired")
    kept = [v for v in versions if not v.deleted]
    if version_id is not None:
        chosen = next((v for v in kept if v.version_id == version_id), None)
        if chosen is None:
            raise CannotRestore(f"no kept version {version_id!r} (see blogctl history)")
        return chosen
    current = versions[0]
    candidates = kept if current.deleted else kept[1:]
    if not candidates:
        raise CannotRestore("no earlier version is kept")
    return candidates[0]


def restore(s3: Any, bucket: str, key: str, version_id: str | None = None) -> Restored:
    """Make a kept version of ``key`` current again (comments first, then the file)."""
    versions = list_versions(s3, bucket, key)
    try:
        chosen = choose_version(versions, version_id)
    except CannotRestore as error:
        raise CannotRestore(f"cannot restore {key}: {error}") from error
    companions: list[str] = []
    if versions[0].deleted:
        for companion in companion_keys(key):
            kept = _deleted_with(list_versions(s3, bucket, companion), versions[0])
            if kept is not None:
                copy_version(s3, bucket, kept)
                companions.append(companion)
    copy_version(s3, bucket, chosen)
    return Restored(key, chosen, tuple(companions))


def _deleted_with(versions: list[Version], deletion: Version) -> Version | None:
    if not versions or not versions[0].deleted:
        return None
    if abs(versions[0].modified - deletion.modified) > DELETED_TOGETHER:
        return None
    return next((v for v in versions if not v.deleted), None)


def copy_version(s3: Any, bucket: str, version: Version) -> str:
    """Copy one version over the current object; return the new version's ETag."""
    head = s3.head_object(Bucket=bucket, Key=version.key, VersionId=version.version_id)
    metadata = dict(head.get("Metadata", {}))
    if is_source_key(version.key):
        # Its date, when the file gives none, stays the one it was published with.
        metadata.setdefault(PUBLISHED_METADATA, head["LastModified"].isoformat())
    extra = {"ContentType": head["ContentType"]} if head.get("ContentType") else {}
    response = s3.copy_object(
        Bucket=bucket,
        Key=version.key,
        CopySource={"Bucket": bucket, "Key": version.key, "VersionId": version.version_id},
        MetadataDirective="REPLACE",
        Metadata=metadata,
        **extra,
    )
    return str(response["CopyObjectResult"]["ETag"]).strip('"')


def wait_for_restore(
    restored: Restored, s3: Any, store: BlogStore, settings: Settings, timeout: float
) -> Restored:
    """Wait until the pipeline has published (or refused) the restored file."""
    if not is_source_key(restored.key):
        return restored  # media: served as soon as it is back
    response = s3.get_object(Bucket=settings.bucket_name, Key=restored.key)
    with response["Body"] as stream:
        body = stream.read()
    etag = str(response["ETag"]).strip('"')
    doc = SourceDocument(restored.key, body, response["LastModified"], response["Metadata"])
    try:
        path, draft = site_path(doc, settings)
    except ParseError as error:
        path, draft = "", False
        reason = str(error)
    else:
        reason = ""
    if draft:
        return _with(restored, outcomes.PRIVATE, "it is a draft", "")
    options = ImportOptions(timeout=timeout, poll_seconds=0.2)
    waited = wait_for_outcomes({restored.key: etag}, store, s3, settings.bucket_name, options)
    outcome, why = waited[restored.key]
    shown = path if outcome in (outcomes.PUBLISHED, outcomes.SCHEDULED) else ""
    return _with(restored, outcome, why or reason, shown)


def site_path(doc: SourceDocument, settings: Settings) -> tuple[str, bool]:
    """Return the path a source is published at, and whether it is a draft."""
    if doc.key.startswith(PAGES_PREFIX):
        page = build_page(doc, settings)
        return urls.page_path(page.slug), page.draft
    post = build_post(doc, settings)
    return urls.post_path(post.post_id), post.draft


def _with(restored: Restored, outcome: str, reason: str, path: str) -> Restored:
    return Restored(restored.key, restored.version, restored.companions, outcome, reason, path)


__all__ = ["CannotRestore", "NotVersioned", "Restored", "restore", "wait_for_restore"]
