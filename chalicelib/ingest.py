"""Publishing: reconcile DynamoDB with the current state of one object in the bucket."""

from __future__ import annotations

import json
import logging
import posixpath
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.config import Settings
from chalicelib.models import Post
from chalicelib.parsing import ParseError, SourceDocument, parse_document
from chalicelib.rendering import render_markdown, summarize
from chalicelib.storage import BlogStore, SlugTakenError, SourceVersion

LOG = logging.getLogger(__name__)
POSTS_PREFIX = "posts/"
POST_SUFFIX = ".md"
_MAX_SYNC_ROUNDS = 3


@dataclass(frozen=True)
class FetchedObject:
    """An object's content and the version it was read at."""

    document: SourceDocument
    version: SourceVersion


def build_post(doc: SourceDocument, settings: Settings) -> Post:
    """Parse and render an uploaded file into a post. Pure; raises ParseError."""
    parsed = parse_document(doc, settings.timezone, settings.max_post_bytes)
    html = render_markdown(parsed.markdown)
    return Post(
        slug=parsed.slug,
        title=parsed.title,
        published=parsed.published,
        tags=parsed.tags,
        categories=parsed.categories,
        summary=parsed.summary or summarize(html),
        html=html,
        source_key=doc.key,
        draft=parsed.draft,
    )


def is_post_key(key: str) -> bool:
    """Tell whether an object key is a post source."""
    return key.startswith(POSTS_PREFIX) and key.endswith(POST_SUFFIX) and "/" not in key[6:]


def sync_source(key: str, s3: Any, store: BlogStore, settings: Settings) -> str:
    """Make the published post match the object now at ``key``; return what happened.

    Events arrive at least once and in any order, so the event only says which key
    to look at: the object's current state in S3 decides what is published.
    """
    if not is_post_key(key):
        return _log(key, "ignored", "not a posts/*.md key")
    outcome = "unchanged"
    for _ in range(_MAX_SYNC_ROUNDS):
        try:
            fetched = fetch_object(s3, settings.bucket_name, key, settings.max_post_bytes)
            if fetched is None:
                return _log(key, "removed" if store.remove_source(key) else "absent")
            outcome = _publish(fetched, store, settings)
        except (ParseError, SlugTakenError) as exc:
            return _log(key, "rejected", str(exc), level=logging.WARNING)
        # LastModified has one-second resolution, so two uploads in one second
        # cannot be ordered by it: stop only once S3 still holds what we stored.
        if _current_etag(s3, settings.bucket_name, key) == fetched.version.etag:
            break
    return _log(key, outcome)


def fetch_object(s3: Any, bucket: str, key: str, max_bytes: int) -> FetchedObject | None:
    """Read an object and its version; None when it does not exist, ParseError when too large."""
    try:
        response = s3.get_object(Bucket=bucket, Key=key)
    except ClientError as exc:
        if exc.response["Error"]["Code"] in ("NoSuchKey", "404"):
            return None
        raise
    size = int(response["ContentLength"])
    with response["Body"] as stream:
        if size > max_bytes:
            raise ParseError(f"file is {size} bytes; the limit is {max_bytes}")
        body = stream.read()
    version = SourceVersion(etag=response["ETag"].strip('"'), modified=response["LastModified"])
    doc = SourceDocument(key, body, response["LastModified"], dict(response.get("Metadata", {})))
    return FetchedObject(document=doc, version=version)


def _publish(fetched: FetchedObject, store: BlogStore, settings: Settings) -> str:
    post = build_post(fetched.document, settings)
    if post.draft:
        return "draft-unpublished" if store.remove_source(post.source_key) else "draft"
    return "published" if store.save_post(post, fetched.version) else "unchanged"


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
