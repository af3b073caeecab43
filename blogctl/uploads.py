"""Upload an author's files and say what became of each: shared by publish, sync and watch."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError
from tqdm import tqdm

from blogctl import pipeline, previews
from blogctl.localfiles import content_type
from blogctl.siteurl import public_url, site_url
from blogctl.stages import Target
from chalicelib.config import Settings
from chalicelib.publishing.ingest import is_source_key
from chalicelib.publishing.parsing import ParseError, SourceDocument, parse_document
from chalicelib.site.urls import page_path, post_path
from chalicelib.storage.records import PublishedAt
from chalicelib.storage.store import BlogStore

# The outcomes an author sees, beside pipeline.PUBLISHED, SCHEDULED, DRAFT, REJECTED, WAITING.
UPDATED = "updated"
UNCHANGED = "unchanged"
UPLOADED = "uploaded"  # a media or comments file: nothing to publish, it is served as is
DELETED = "deleted"
# What the parser says of a YAML error (chalicelib/publishing/parsing.py).
_POSITION = re.compile(r"\bat line (\d+), column (\d+)")


@dataclass
class Outcome:
    """What became of one file: its state, public URL or rejection, and where it failed."""

    key: str
    state: str
    path: str = ""
    url: str = ""
    reason: str = ""
    line: int | None = None
    column: int | None = None
    due: str = ""  # a scheduled post's publication time, ISO 8601 in the site's time zone
    # The private link of a draft or scheduled post (previews.wait_for_link).
    preview: str | None = None

    def as_json(self) -> dict[str, Any]:
        """Return the outcome as a JSON object (empty fields left out)."""
        return {name: value for name, value in asdict(self).items() if value not in ("", None)}

    def describe(self) -> str:
        """Return the one line a person reads about this file."""
        name = self.path or self.key
        if self.state in (pipeline.PUBLISHED, UPDATED, UNCHANGED) and self.url:
            tail = f"  {self.reason}" if self.reason else ""
            return f"{self.state:<10} {name}  {self.url}{tail}"
        if self.state == pipeline.SCHEDULED:
            return f"{self.state:<10} {name}  due {self.due}" + _preview(self.preview)
        if self.state == pipeline.DRAFT:
            return f"{self.state:<10} {name}  not public" + _preview(self.preview)
        if self.line is not None:
            # path:line:column, as compilers print it: editors and terminals jump there.
            return f"{self.state:<10} {name}:{self.line}:{self.column}  {self.reason}"
        if self.reason:
            return f"{self.state:<10} {name}  {self.reason}"
        return f"{self.state:<10} {name}"


def _preview(link: str | None) -> str:
    return f"; preview: {link}" if link else ""


@dataclass
class Blog:
    """One stage's bucket and table, and where its posts are read."""

    s3: Any
    store: BlogStore
    settings: Settings
    base_url: str
    waiting: pipeline.Waiting = field(default_factory=pipeline.Waiting)

    @classmethod
    def of(cls, target: Target, waiting: pipeline.Waiting) -> Blog:
        """Connect to a target's bucket and table."""
        settings = target.settings()
        store = BlogStore(target.client("dynamodb"), settings.table_name)
        return cls(target.client("s3"), store, settings, site_url(target), waiting)

    @property
    def bucket(self) -> str:
        """Return the content bucket's name."""
        return self.settings.bucket_name


def head_etags(s3: Any, bucket: str, keys: list[str]) -> dict[str, str]:
    """Return the ETag of each key that exists (one HEAD each: for a few files)."""
    found = {}
    for key in keys:
        try:
            found[key] = str(s3.head_object(Bucket=bucket, Key=key)["ETag"]).strip('"')
        except ClientError as error:
            if error.response["Error"]["Code"] not in ("404", "NoSuchKey", "NotFound"):
                raise
    return found


def publish(
    files: dict[str, bytes],
    blog: Blog,
    existing: dict[str, str],
    progress: Callable[[int], object] | None = None,
) -> dict[str, Outcome]:
    """Upload the files (key -> bytes) whose ETag differs from ``existing``; wait for each."""
    before = blog.store.maintenance.source_index()
    uploaded = upload_changed(files, blog, existing, progress)
    return wait_for_files(files, uploaded, before, blog)


def upload_changed(
    files: dict[str, bytes],
    blog: Blog,
    existing: dict[str, str],
    progress: Callable[[int], object] | None = None,
) -> set[str]:
    """Put each file whose MD5 differs from its ETag in ``existing``; return their keys."""
    uploaded = set()
    # Comments files first: the pipeline reads a post's comments when it publishes it.
    for key in sorted(files, key=is_source_key):
        data = files[key]
        if existing.get(key) != pipeline.md5_hex(data):
            # Single-part puts: the ETag stays the MD5 the next sync compares with.
            blog.s3.put_object(
                Bucket=blog.bucket, Key=key, Body=data, ContentType=content_type(key)
            )
            uploaded.add(key)
        if progress is not None:
            progress(1)
    return uploaded


# A draft's outcome is known from its file before ingest has run: its link follows shortly.
_PREVIEW_WAIT_SECONDS = 10.0


def wait_for_files(
    files: dict[str, bytes], uploaded: set[str], before: dict[str, Any], blog: Blog
) -> dict[str, Outcome]:
    """Wait for every source's outcome (pipeline.wait_for); other files are done at once.

    ``before`` is the source index from before the upload: published or updated.
    """
    etags = {key: pipeline.md5_hex(data) for key, data in files.items() if is_source_key(key)}
    drafts = frozenset(key for key in etags if says_draft(key, files[key], blog.settings))
    seen = pipeline.wait_for(etags, blog.store, blog.s3, blog.bucket, blog.waiting, drafts)
    warnings = pipeline.published_warnings(seen, etags, blog.s3, blog.bucket)
    published = [key for key, found in seen.items() if found.state == pipeline.PUBLISHED]
    places = blog.store.maintenance.published_at(published)
    outcomes = {}
    for key in files:
        if key not in etags:
            outcomes[key] = Outcome(key, UPLOADED if key in uploaded else UNCHANGED)
            continue
        found = seen[key]
        outcome = outcome_of(found, key, blog.settings)
        if found.state == pipeline.PUBLISHED:
            outcome.state = _published_state(key, key in uploaded, before)
            outcome.url = url_of(places.get(key), blog.base_url)
            outcome.reason = warnings.get(key, "")
        elif found.state in (pipeline.DRAFT, pipeline.SCHEDULED):
            wait = min(blog.waiting.timeout, _PREVIEW_WAIT_SECONDS)
            outcome.preview = previews.wait_for_link(blog.store, key, blog.base_url, wait)
        outcomes[key] = outcome
    return outcomes


def outcome_of(found: pipeline.Seen, key: str, settings: Settings) -> Outcome:
    """Return the outcome for what the pipeline did, with a rejection's line and column."""
    outcome = Outcome(key, found.state, reason=found.reason)
    position = _POSITION.search(found.reason)
    if position:
        outcome.line, outcome.column = int(position.group(1)), int(position.group(2))
    if found.due is not None:
        outcome.due = found.due.astimezone(settings.timezone).isoformat(timespec="minutes")
    return outcome


def _published_state(key: str, uploaded: bool, before: dict[str, Any]) -> str:
    if not uploaded:
        return UNCHANGED
    was_public = key in before and before[key].etag != ""
    return UPDATED if was_public else pipeline.PUBLISHED


def url_of(place: PublishedAt | None, base_url: str) -> str:
    """Return a published source's public URL ("" when the table does not say)."""
    if place is None:
        return ""
    if place.page:
        return public_url(base_url, page_path(place.page))
    return public_url(base_url, post_path(place.post_id)) if place.post_id else ""


def says_draft(key: str, data: bytes, settings: Settings) -> bool:
    """Tell whether a source's own front matter makes it a draft (the engine's parser)."""
    doc = SourceDocument(key, data, datetime.now(UTC))
    try:
        return parse_document(doc, settings.timezone, settings.max_post_bytes).draft
    except ParseError:
        return False  # the pipeline rejects it, and says why


def progress_bar(total: int, what: str, show: bool) -> tqdm[Any]:
    """Return a progress bar on stderr (shown on a terminal only, and only if ``show``)."""
    return tqdm(total=total, desc=what, unit="file", disable=None if show else True)
