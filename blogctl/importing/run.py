"""`blogctl import`: plan the sources and media, upload what changed, wait, and report."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote, unquote

from botocore.exceptions import ClientError
from tqdm import tqdm

from blogctl import pipeline
from blogctl.importing import report as outcomes
from blogctl.importing.media import FOLDER_PREFIX, MediaFile, MediaPlanner
from blogctl.importing.model import ImportedSite
from blogctl.importing.report import ImportReport
from blogctl.importing.writer import Rejected, SlugRegistry, Source, source_for
from blogctl.pipeline import BeforePoll
from chalicelib.bucket import MEDIA_PREFIX, PAGES_PREFIX, POSTS_PREFIX
from chalicelib.config import Settings
from chalicelib.publishing import bulk
from chalicelib.storage.store import BlogStore

# S3 object metadata (x-amz-meta-imported-from) naming the item or file an object came
# from and its site ("wordpress:12@example.org"): a rerun may update its own files, never
# another site's or an author's.
IMPORTED_FROM = "imported-from"
_MARKDOWN = "text/markdown; charset=utf-8"
_JSON = "application/json; charset=utf-8"
Decision = Literal["new", "update", "unchanged", "clash", "replace"]
_WRITES = ("new", "update", "replace")


@dataclass(frozen=True)
class ImportOptions:
    """How to import: the uploads folder, whether to write or overwrite, how long to wait."""

    uploads: Path | None = None
    dry_run: bool = False
    replace: bool = False
    timeout: float = 900.0
    poll_seconds: float = 1.0
    # With the stage's settings, new posts are published in bulk (chalicelib/publishing/
    # bulk.py) unless one_by_one: then every file waits for its own S3 event.
    settings: Settings | None = None
    one_by_one: bool = False


@dataclass(frozen=True)
class Upload:
    """One object the import writes, with the item or file it came from."""

    key: str
    origin: str
    content_type: str
    body: bytes | None = None
    path: Path | None = None
    site: str = ""  # ImportedSite.label(): the origin alone is "wordpress:1" on every blog

    def imported_from(self) -> str:
        """Return the metadata value naming this object's origin and site."""
        return imported_from(self.origin, self.site)

    def data(self) -> bytes:
        """Return the object's bytes (a media file is read from disk when needed)."""
        if self.body is not None:
            return self.body
        assert self.path is not None
        return self.path.read_bytes()

    def md5(self) -> str:
        """Return the hex MD5: the ETag S3 gives a single-part put of these bytes."""
        return _md5(self.data())


@dataclass
class Plan:
    """Everything one import would write."""

    sources: list[Source] = field(default_factory=list)
    media: list[MediaFile] = field(default_factory=list)


def run_import(
    site: ImportedSite,
    options: ImportOptions,
    s3: Any,
    store: BlogStore,
    report: ImportReport,
    before_poll: BeforePoll | None = None,
) -> ImportReport:
    """Import a site into the bucket, wait for the pipeline, and fill the report."""
    plan = plan_import(site, options.uploads, report)
    existing = bucket_etags(s3, report.bucket)
    writes: list[Upload] = []
    label = site.label()
    for media in plan.media:
        origin = f"uploads:{media.origin}"
        upload = Upload(media.key, origin, media.content_type, path=media.path, site=label)
        decision = _decide(upload, existing, s3, options, report)
        if decision in _WRITES:
            writes.append(upload)
        key = outcomes.MEDIA_UNCHANGED if decision == "unchanged" else outcomes.MEDIA_COPIED
        report.counts[key] += decision != "clash"
    waiting: dict[str, tuple[str, Source]] = {}
    for source in plan.sources:
        upload = Upload(source.key, source.origin, _MARKDOWN, source.body, site=label)
        decision = _decide(upload, existing, s3, options, report)
        if decision == "clash":
            continue  # the existing file stays, and the item's comments stay out too
        if source.comments_body is not None:
            # Before the post: the pipeline reads a post's comments when it publishes it.
            body = source.comments_body
            comments = Upload(source.comments_key, source.origin, _JSON, body, site=label)
            if _decide(comments, existing, s3, options, report) in _WRITES:
                writes.append(comments)
        if decision in _WRITES:
            writes.append(upload)
        if source.expect == "private" or options.dry_run:
            report.counts[_expected_count(source)] += 1
        else:
            waiting[source.key] = (_md5(source.body), source)
    if not options.dry_run:
        in_bulk = _claim_for_bulk(waiting, writes, existing, store, options)
        put_all(writes, s3, report.bucket)
        if in_bulk and options.settings is not None:
            _publish_in_bulk(in_bulk, s3, store, options.settings, label)
        etags = {key: etag for key, (etag, _) in waiting.items()}
        results = wait_for_outcomes(etags, store, s3, report.bucket, options, before_poll)
        warnings = published_warnings(results, etags, s3, report.bucket)
        for key, (outcome, reason) in results.items():
            report.counts[outcome] += 1
            if reason or key in warnings:
                report.note(waiting[key][1].origin, key, reason or warnings[key])
    return report


def _claim_for_bulk(
    waiting: dict[str, tuple[str, Source]],
    writes: list[Upload],
    existing: dict[str, str],
    store: BlogStore,
    options: ImportOptions,
) -> dict[str, Source]:
    """Choose the new posts to publish in bulk and claim them before their upload.

    A claimed source's S3 event finds it already published and changes nothing. A post
    whose comments file the import does not write (a clash) waits for its event.
    """
    if options.settings is None or options.one_by_one:
        return {}
    written = {upload.key for upload in writes}
    chosen = {}
    for key in bulk.bulk_candidates(store, waiting):
        source = waiting[key][1]
        if source.comments_body is None:
            comments_ok = source.comments_key not in existing
        else:
            same = existing.get(source.comments_key) == _md5(source.comments_body)
            comments_ok = same or source.comments_key in written
        if comments_ok:
            chosen[key] = source
    bulk.claim(store, {key: waiting[key][0] for key in chosen})
    return chosen


def _publish_in_bulk(
    chosen: dict[str, Source], s3: Any, store: BlogStore, settings: Settings, site: str
) -> None:
    """Publish the claimed posts from the bytes just uploaded, with progress bars."""
    objects = bulk.uploaded_sources(
        s3,
        settings.bucket_name,
        {key: source.body for key, source in chosen.items()},
        {k: s.comments_body for k, s in chosen.items() if s.comments_body is not None},
        {k: {IMPORTED_FROM: imported_from(s.origin, site)} for k, s in chosen.items()},
    )
    bars: dict[str, tqdm[Any]] = {}

    def advance(stage: str, done: int, total: int) -> None:
        if stage not in bars:
            bars[stage] = tqdm(total=total, desc=stage, unit="post", disable=None)
        bars[stage].update(done)

    try:
        bulk.publish_bulk(objects, s3, store, settings, progress=advance)
    finally:
        for bar in bars.values():
            bar.close()


def plan_import(site: ImportedSite, uploads: Path | None, report: ImportReport) -> Plan:
    """Convert every item into a source and find its media; note what needs attention."""
    plan = Plan()
    slugs = SlugRegistry()
    media = MediaPlanner(site.base_url, uploads)
    for item in site.items:
        found = media.plan(item)
        plan.media.extend(found.files)
        report.counts[outcomes.MEDIA_MISSING] += len(found.missing)
        try:
            source = source_for(item, slugs, report.started, found.markdown)
        except Rejected as error:
            report.counts[outcomes.REJECTED] += 1
            report.note(item.origin, "", f"rejected: {error}")
            continue
        plan.sources.append(source)
        for note in source.notes:
            report.note(item.origin, source.key, note)
        for missing in found.missing:
            report.note(item.origin, source.key, f"media left pointing at the old site: {missing}")
    return plan


def bucket_etags(s3: Any, bucket: str) -> dict[str, str]:
    """Return the ETag of every object an import may write (one List request per 1,000)."""
    prefixes = (POSTS_PREFIX, PAGES_PREFIX, f"{MEDIA_PREFIX}{FOLDER_PREFIX}")
    return pipeline.bucket_etags(s3, bucket, prefixes)


def put_all(uploads: list[Upload], s3: Any, bucket: str) -> None:
    """Write each object with its origin in its metadata, showing progress with an ETA."""
    # Single-part puts: the ETag stays the MD5 a rerun compares with.
    for upload in tqdm(uploads, desc="uploading", unit="file", disable=None):
        s3.put_object(
            Bucket=bucket,
            Key=upload.key,
            Body=upload.data(),
            ContentType=upload.content_type,
            Metadata={IMPORTED_FROM: upload.imported_from()},
        )


def wait_for_outcomes(
    waiting: dict[str, str],
    store: BlogStore,
    s3: Any,
    bucket: str,
    options: ImportOptions,
    before_poll: BeforePoll | None = None,
) -> dict[str, tuple[str, str]]:
    """Wait until each source (key -> uploaded ETag) is published, scheduled or rejected.

    Return key -> (outcome, reason); what has no outcome by the timeout is "still waiting".
    """
    how = pipeline.Waiting(options.timeout, options.poll_seconds)
    seen = pipeline.wait_for(waiting, store, s3, bucket, how, before_poll=before_poll)
    return {key: _counted(outcome) for key, outcome in seen.items()}


def _counted(seen: pipeline.Seen) -> tuple[str, str]:
    if seen.state == pipeline.REJECTED:
        return outcomes.REJECTED, f"rejected: {seen.reason}"
    if seen.state == pipeline.WAITING:
        return outcomes.WAITING, seen.reason
    return {pipeline.PUBLISHED: outcomes.PUBLISHED, pipeline.SCHEDULED: outcomes.SCHEDULED}[
        seen.state
    ], ""


def published_warnings(
    results: dict[str, tuple[str, str]], etags: dict[str, str], s3: Any, bucket: str
) -> dict[str, str]:
    """Return the published sources whose uploaded version was published with a warning."""
    published = [key for key, (outcome, _) in results.items() if outcome == outcomes.PUBLISHED]
    return {
        key: reason
        for key, reason, warned in pipeline.filed_reports(published, etags, s3, bucket)
        if warned
    }


def _decide(
    upload: Upload, existing: dict[str, str], s3: Any, options: ImportOptions, report: ImportReport
) -> Decision:
    """Compare one planned object with the bucket's; count and note a clash."""
    etag = existing.get(upload.key)
    decision: Decision
    if etag is None:
        decision = "new"
    elif etag == upload.md5():
        decision = "unchanged"
        if not upload.key.startswith(MEDIA_PREFIX) and not upload.key.endswith(".json"):
            report.counts[outcomes.UNCHANGED] += 1
    elif (writer := _written_by(s3, report.bucket, upload.key)) is None:
        decision = "new"  # deleted since the listing
    elif writer == upload.imported_from():
        decision = "update"  # this import's own file, from an earlier conversion
    elif options.replace:
        decision = "replace"
        report.counts[outcomes.REPLACED] += 1
        report.note(upload.origin, upload.key, f"replaced {_by(writer)} (--replace)")
    else:
        decision = "clash"
        report.counts[outcomes.CLASH] += 1
        report.note(
            upload.origin, upload.key, f"clash: kept {_by(writer)} (--replace overwrites it)"
        )
    return decision


def _written_by(s3: Any, bucket: str, key: str) -> str | None:
    """Return the origin an object was imported from ("" if none), None if it is gone."""
    try:
        head = s3.head_object(Bucket=bucket, Key=key)
    except ClientError as error:
        if error.response["Error"]["Code"] in ("404", "NoSuchKey", "NotFound"):
            return None
        raise
    return str(head.get("Metadata", {}).get(IMPORTED_FROM, ""))


def _expected_count(source: Source) -> str:
    return {
        "private": outcomes.PRIVATE,
        "scheduled": outcomes.SCHEDULED,
        "published": outcomes.PUBLISHED,
    }[source.expect]


def _by(writer: str) -> str:
    return f"the file imported from {unquote(writer)}" if writer else "the existing file"


def imported_from(origin: str, site: str) -> str:
    """Return the metadata value for an origin on a site: "wordpress:12@example.org"."""
    # Metadata travels as HTTP headers: ASCII only, and at most 2 KB in all.
    value = quote(f"{origin}@{site}" if site else origin, safe="/:@-_.~#")
    return value if len(value) <= 1024 else "sha256:" + hashlib.sha256(value.encode()).hexdigest()


def _md5(data: bytes) -> str:
    return pipeline.md5_hex(data)
