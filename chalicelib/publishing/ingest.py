"""Publishing: reconcile DynamoDB with the current state of one object in the bucket."""

from __future__ import annotations

import dataclasses
import json
import logging
import posixpath
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.bucket import PAGES_PREFIX, POST_SUFFIX, POSTS_PREFIX
from chalicelib.config import Settings
from chalicelib.models import Post, with_comments
from chalicelib.publishing import reports
from chalicelib.publishing.build import build_page, build_post, page_with_comments
from chalicelib.publishing.comments import (
    MAX_COMMENTS_BYTES,
    comments_key,
    parse_comments,
    render_comments,
)
from chalicelib.publishing.layout import refresh_layout
from chalicelib.publishing.markup import html_to_text
from chalicelib.publishing.parsing import ParseError, SourceDocument
from chalicelib.publishing.previews import save_page_preview, save_post_preview
from chalicelib.publishing.related import links, relate_back, related_posts, unlink_departed
from chalicelib.search import index_terms
from chalicelib.storage import bodies
from chalicelib.storage.items import redirect_attributes
from chalicelib.storage.records import SlugTakenError, SourceVersion
from chalicelib.storage.store import BlogStore

LOG = logging.getLogger(__name__)
# Rounds repeat only while the object keeps changing under us (same-second uploads).
_MAX_SYNC_ROUNDS = 8
# Outcomes after which the menu, sidebar or calendar may show something else.
_LAYOUT_CHANGES = {"published", "removed", "scheduled", "draft-unpublished", "repaired"}
# Told of a post's first publication (chalicelib/mail/fanout.py mails it to subscribers).
Announcer = Callable[[Post, datetime], object]


@dataclass(frozen=True)
class FetchedObject:
    """An object's version, and its content unless it is over the size limit."""

    document: SourceDocument | None
    version: SourceVersion
    size: int


def is_source_key(key: str) -> bool:
    """Tell whether an object key is a source: ``posts/<name>.md`` or ``pages/<name>.md``."""
    folder, _, name = key.partition("/")
    return (
        f"{folder}/" in (POSTS_PREFIX, PAGES_PREFIX)
        and key.endswith(POST_SUFFIX)
        and "/" not in name
    )


def sync_source(
    key: str,
    s3: Any,
    store: BlogStore,
    settings: Settings,
    force: bool = False,
    now: datetime | None = None,
    announce: Announcer | None = None,
) -> str:
    """Make the published post match the object now at ``key``; return what happened.

    Events arrive at least once and in any order, so the event only says which key
    to look at: the object's current state in S3 decides what is published. A file
    that cannot be published leaves the published version alone and gets a report
    under ``errors/``; the report goes once the file is fixed or deleted.
    """
    if not key.startswith((POSTS_PREFIX, PAGES_PREFIX)):
        return _log(key, "ignored", "not under posts/ or pages/")
    if not is_source_key(key):
        reason = (
            "a post or page must be a .md file directly under posts/ or pages/, not in a sub-folder"
        )
        return _reject(s3, settings.bucket_name, key, None, reason)
    now = now or datetime.now(UTC)
    result = _Result("unchanged")
    etag = ""
    for _ in range(_MAX_SYNC_ROUNDS):
        fetched = fetch_object(s3, settings.bucket_name, key, settings.max_post_bytes)
        if fetched is None:
            store.schedule.remove(key)
            store.previews.end(key)
            result = (
                _remove_page(store, key) if key.startswith(PAGES_PREFIX) else _unpublish(store, key)
            )
            break
        etag = fetched.version.etag
        try:
            latest = _publish(fetched, s3, store, settings, force, now, announce)
        except (ParseError, SlugTakenError) as exc:
            return _reject(s3, settings.bucket_name, key, fetched.version.etag, str(exc))
        except Exception as exc:
            _report_failure(s3, settings.bucket_name, key, fetched.version.etag, exc)
            raise
        # A later round that finds its work done must not hide what an earlier one did.
        result = latest if latest.outcome != "unchanged" else result
        result = dataclasses.replace(result, warning=latest.warning)
        # LastModified has one-second resolution, so two uploads in one second
        # cannot be ordered by it: stop only once S3 still holds what we stored.
        if _current_etag(s3, settings.bucket_name, key) == fetched.version.etag:
            break
    if result.outcome in _LAYOUT_CHANGES:
        refresh_layout(store)
    # Before the follow-ups are marked done: whoever waits for that (blogctl import)
    # then finds the author's report already in place.
    if result.warning:
        report = reports.new_report(key, result.warning, etag, published=True)
        reports.write_report(s3, settings.bucket_name, report)
    else:
        reports.clear_report(s3, settings.bucket_name, key)
    if result.done_etag is not None:
        unfinished = store.sources.unfinished_source(key)
        if unfinished is not None:
            unlink_departed(store, unfinished)
        # Last: until here a retry or reconcile finds the follow-ups pending and redoes them.
        store.sources.mark_followups_done(key, result.done_etag)
    if result.warning:
        return _log(key, result.outcome, result.warning, level=logging.WARNING)
    return _log(key, result.outcome)


def fetch_object(s3: Any, bucket: str, key: str, max_bytes: int) -> FetchedObject | None:
    """Read an object and its version; None when it does not exist."""
    try:
        response = s3.get_object(Bucket=bucket, Key=key)
    except ClientError as exc:
        if exc.response["Error"]["Code"] in ("NoSuchKey", "404"):
            return None
        raise
    size = int(response["ContentLength"])
    version = SourceVersion(etag=response["ETag"].strip('"'), modified=response["LastModified"])
    with response["Body"] as stream:
        if size > max_bytes:
            return FetchedObject(document=None, version=version, size=size)
        body = stream.read()
    metadata = dict(response.get("Metadata", {}))
    doc = SourceDocument(key, body, response["LastModified"], metadata)
    return FetchedObject(document=doc, version=version, size=size)


def publish_due_posts(
    s3: Any, store: BlogStore, settings: Settings, now: datetime, announce: Announcer | None = None
) -> int:
    """Publish every post whose date has come; runs on a schedule. Return how many."""
    keys = store.schedule.due(now)
    published = 0
    for key in keys:
        try:
            sync_source(key, s3, store, settings, now=now, announce=announce)
            published += 1
        except Exception:  # noqa: BLE001 - its schedule entry stays: the next run retries it
            LOG.exception("publishing due post %s failed", key)
    return published


@dataclass(frozen=True)
class _Result:
    """What one sync did, and which version's follow-ups it completed ("" for a removal)."""

    outcome: str
    done_etag: str | None = None
    # Published, but with something the author should fix (an old address held elsewhere).
    warning: str = ""


def _publish(
    fetched: FetchedObject,
    s3: Any,
    store: BlogStore,
    settings: Settings,
    force: bool,
    now: datetime,
    announce: Announcer | None = None,
) -> _Result:
    if fetched.document is None:
        raise ParseError(f"file is {fetched.size} bytes; the limit is {settings.max_post_bytes}")
    if fetched.document.key.startswith(PAGES_PREFIX):
        return _publish_page(fetched, s3, store, settings, force)
    post = build_post(fetched.document, settings)
    if post.draft or post.published > now:
        # Rendered for its private preview only: before the table changes, so a bad
        # comments file rejects the upload and leaves everything as it was.
        comments = _read_comments(post.source_key, s3, settings.bucket_name)
        save_post_preview(store, s3, settings.bucket_name, post, fetched.version, comments)
    if post.published > now and not post.draft:
        # Not before its time: off every page until the scheduler publishes it.
        removal = _unpublish(store, post.source_key)
        store.schedule.add(post.source_key, post.published)
        return _Result("scheduled", removal.done_etag)
    if post.draft:
        removal = _unpublish(store, post.source_key)
        store.schedule.remove(post.source_key)
        if removal.outcome == "removed":
            return _Result("draft-unpublished", removal.done_etag)
        return _Result("draft")
    terms = index_terms(post, html_to_text(post.html))
    comments = _read_comments(post.source_key, s3, settings.bucket_name)
    post = dataclasses.replace(post, html=with_comments(post.html, comments))
    related = related_posts(store, post)
    post = bodies.offload(s3, settings.bucket_name, post)
    saved = store.sources.save_post(post, fetched.version, force, terms, links(related))
    # Published (now, or by an earlier delivery of this version): its preview link ends.
    store.previews.end(post.source_key)
    target = redirect_attributes(post.source_key, post_id=post.post_id)
    if not saved:
        pending = store.sources.unfinished_source(post.source_key)
        if pending is None or pending.version.etag != fetched.version.etag:
            store.schedule.remove(post.source_key)
            return _Result("unchanged", warning=_held_elsewhere(store, target, post.aliases))
        # A crash after the transaction: postings and links are idempotent re-writes.
        store.sources.write_followups(pending, terms)
    elif post.body_key is not None:
        # A concurrent publish of this post may have committed since: keep its body too.
        keep = {post.body_key, store.sources.body_key(post.post_id)}
        bodies.sweep(s3, settings.bucket_name, post.post_id, keep)
    relate_back(store, related)
    if announce is not None:
        _announce_first(store, post, fetched.version.etag, now, announce)
    # Only now: a failed publication keeps its schedule entry, so the scheduler retries.
    store.schedule.remove(post.source_key)
    warning = _held_elsewhere(store, target, post.aliases)
    return _Result("published" if saved else "repaired", fetched.version.etag, warning)


def _announce_first(
    store: BlogStore, post: Post, etag: str, now: datetime, announce: Announcer
) -> None:
    """Tell ``announce`` of the first version ever published from this source file.

    Revision 1 is the file's first publication: an update, a re-upload, a forced rebuild
    or a publication after removal is a later one. Before the follow-ups are marked done,
    so a crash before the announcement is queued is retried (``announce`` is idempotent).
    """
    record = store.sources.get_source(post.source_key)
    if record is not None and record.rev == 1 and record.version.etag == etag:
        announce(post, now)


def _read_comments(source_key: str, s3: Any, bucket: str) -> str:
    """Render the comments kept beside a post's or page's file ("" without a file)."""
    key = comments_key(source_key)
    try:
        response = s3.get_object(Bucket=bucket, Key=key)
    except ClientError as exc:
        if exc.response["Error"]["Code"] in ("NoSuchKey", "404"):
            return ""
        raise
    with response["Body"] as stream:
        if int(response["ContentLength"]) > MAX_COMMENTS_BYTES:
            raise ParseError(f"{key} is over {MAX_COMMENTS_BYTES:,} bytes")
        try:
            comments = parse_comments(stream.read())
        except ParseError as exc:
            raise ParseError(f"{key}: {exc}") from exc
    return render_comments(comments)


def _unpublish(store: BlogStore, key: str) -> _Result:
    """Take a post down, or finish taking it down after a crash."""
    removed = store.sources.remove_post(key)
    tombstone = store.sources.unfinished_source(key)
    if tombstone is None or not tombstone.removed:
        return _Result("removed" if removed else "absent")
    if not removed:
        store.sources.write_followups(tombstone, {})
    return _Result("removed", "")


def _remove_page(store: BlogStore, key: str) -> _Result:
    """Take a page down, or finish releasing its old addresses after a crash."""
    removed = store.sources.remove_page(key)
    tombstone = store.sources.unfinished_page(key)
    if tombstone is None or not tombstone.removed:
        return _Result("removed" if removed else "absent")
    if not removed:
        store.sources.write_page_followups(tombstone)
    return _Result("removed", "")


def _publish_page(
    fetched: FetchedObject, s3: Any, store: BlogStore, settings: Settings, force: bool
) -> _Result:
    assert fetched.document is not None
    page = build_page(fetched.document, settings)
    if page.draft:
        comments = _read_comments(page.source_key, s3, settings.bucket_name)
        save_page_preview(store, page_with_comments(page, comments))
        removal = _remove_page(store, page.source_key)
        if removal.outcome == "removed":
            return _Result("draft-unpublished", removal.done_etag)
        return _Result("draft")
    page = page_with_comments(page, _read_comments(page.source_key, s3, settings.bucket_name))
    etag = fetched.version.etag
    saved = store.sources.save_page(page, fetched.version, force)
    store.previews.end(page.source_key)
    if saved:
        outcome, done = "published", etag
    else:
        pending = store.sources.unfinished_page(page.source_key)
        if pending is not None and pending.version.etag == etag:
            # A crash after the transaction: old addresses are idempotent re-writes; the
            # layout comes next.
            store.sources.write_page_followups(pending)
            outcome, done = "repaired", etag
        else:
            outcome, done = "unchanged", None
    target = redirect_attributes(page.source_key, page=page.slug)
    warning = _held_elsewhere(store, target, page.aliases)
    return _Result(outcome, done, warning)


def _held_elsewhere(store: BlogStore, target: dict[str, Any], aliases: tuple[str, ...]) -> str:
    """Say which of a published item's old addresses lead to another file's item, if any."""
    if not aliases:
        return ""
    held = store.redirects.held_elsewhere(str(target["source_key"]), target, aliases)
    return reports.aliases_held_elsewhere(held) if held else ""


def _reject(s3: Any, bucket: str, key: str, etag: str | None, reason: str) -> str:
    reports.write_report(s3, bucket, reports.new_report(key, reason, etag or ""))
    if etag is not None and _current_etag(s3, bucket, key) != etag:
        # A newer upload landed meanwhile; its own event reports on it or clears this.
        reports.clear_report(s3, bucket, key)
    return _log(key, "rejected", reason, level=logging.WARNING)


def _report_failure(s3: Any, bucket: str, key: str, etag: str, exc: Exception) -> None:
    """File a report for an unexpected failure; the caller re-raises so Lambda retries."""
    reason = f"publishing failed ({type(exc).__name__}): {exc}"
    try:
        reports.write_report(s3, bucket, reports.new_report(key, reason, etag))
    except ClientError:
        LOG.exception("could not write the error report for %s", key)
    _log(key, "failed", reason, level=logging.ERROR)


def _current_etag(s3: Any, bucket: str, key: str) -> str | None:
    try:
        return str(s3.head_object(Bucket=bucket, Key=key)["ETag"]).strip('"')
    except ClientError:
        return None


def _log(key: str, outcome: str, reason: str = "", level: int = logging.INFO) -> str:
    record = {"event": "ingest", "key": key, "outcome": outcome, "file": posixpath.basename(key)}
    if reason:
        record["reason"] = reason
    LOG.log(level, json.dumps(record, ensure_ascii=False))
    return outcome
