"""Bulk publishing: many new posts at once, as if published one at a time in key order.

One-at-a-time publishing (``ingest.sync_source``) costs about 31 DynamoDB requests per
post. A bulk load renders every post first, computes in memory what each post's
follow-ups would write, and writes it all with BatchWriteItem: about 1 request per 25
items, so a post costs (its search terms + ~12) / 25 requests.

The result is the one that publishing the same files one at a time, in sorted source
key order (``blogctl reindex``'s order), leaves: related posts are chosen by replaying
that sequence in memory (publishing/related.py's rule, including each new post
re-choosing the related posts of the posts it names); an old address goes to the first
post claiming it in that order; counters carry the last post's spelling of a name.

The client and the table work side by side: each 100 rendered posts' search postings
(most of the writes, and they depend on the post alone) are written in the background
while later posts render. Every rendered post is loaded (``render_all`` drops a second
claim on a permalink as it meets it), and source items still go last (storage/bulk.py),
so a crash leaves every source claimed and a rerun loads it again.

Bulk loads only posts whose sources the table does not know, and only while the table
publishes no other post (a first import, ``reindex --wipe``): otherwise every source
goes one at a time. Pages, drafts, scheduled posts, files that fail to parse and
permalinks already taken are always left to ``sync_source`` after the load, which
publishes, schedules, previews or reports them exactly as an S3 event would.
"""

from __future__ import annotations

import bisect
import dataclasses
import hashlib
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from chalicelib.bucket import POSTS_PREFIX
from chalicelib.config import Settings
from chalicelib.models import Post, PostSummary, with_comments
from chalicelib.publishing import reports
from chalicelib.publishing.build import build_post
from chalicelib.publishing.comments import comments_key, parse_comments, render_comments
from chalicelib.publishing.ingest import fetch_object, is_source_key, sync_source
from chalicelib.publishing.layout import refresh_layout
from chalicelib.publishing.markup import html_to_text
from chalicelib.publishing.parsing import ParseError, SourceDocument
from chalicelib.publishing.related import RELATED_POSTS, RELATED_TAGS_READ, choose_related, links
from chalicelib.search import index_terms
from chalicelib.storage import bodies
from chalicelib.storage.bulk import BulkWrites, LoadedPost
from chalicelib.storage.records import SourceVersion
from chalicelib.storage.store import BlogStore

# Called with a stage ("render", "write", "one-by-one"), units done, and the stage's total.
Progress = Callable[[str, int, int], None]
_READERS = 8
_POSTINGS_CHUNK = 100  # rendered posts whose postings go to the background writer at once


@dataclass(frozen=True)
class SourceObject:
    """A source as the bucket holds it: its document (None when over the size limit)."""

    key: str
    version: SourceVersion
    document: SourceDocument | None
    comments: bytes | None = None  # the post's comments file, if it has one


@dataclass(frozen=True)
class Rendered:
    """A post ready to load: rendered, with its comments, and its search terms."""

    post: Post
    version: SourceVersion
    terms: Mapping[str, int]


@dataclass
class LoadPlan:
    """What the bulk load writes, and the sources it leaves to one-at-a-time publishing."""

    posts: list[LoadedPost]
    linked: set[tuple[str, str]]
    fallback: list[str]


def bulk_candidates(store: BlogStore, keys: Iterable[str]) -> set[str]:
    """Return the keys a bulk load may publish: posts the table knows nothing of.

    None of them if the table already publishes a post: its neighbours, related posts
    and counters would have to be merged, which one-at-a-time publishing does.
    """
    known, _claimed = BulkWrites(store.table).known_sources()
    if any(key.startswith(POSTS_PREFIX) for key in known):
        return set()
    waiting = set(store.schedule.keys())
    fresh = {k for k in keys if is_source_key(k) and k.startswith(POSTS_PREFIX)}
    return fresh - known - waiting


def claim(store: BlogStore, etags: Mapping[str, str]) -> None:
    """Claim sources before uploading them (key -> ETag they will have): see BulkWrites.claim."""
    BulkWrites(store.table).claim(etags)


def md5_hex(body: bytes) -> str:
    """Return the ETag S3 gives a single-part upload of these bytes, to claim it by."""
    return hashlib.md5(body, usedforsecurity=False).hexdigest()


def render_all(
    objects: Sequence[SourceObject],
    settings: Settings,
    now: datetime,
    done: Callable[[], None] | None = None,
    kept: Callable[[Rendered], None] | None = None,
) -> tuple[list[Rendered], list[str]]:
    """Render the posts a bulk load publishes, in key order; return them and the rest. Pure.

    A permalink two files claim goes to the first in key order, as one at a time, so
    a post handed to ``kept`` as it is kept stays among those returned.
    """
    rendered: list[Rendered] = []
    fallback: list[str] = []
    taken: set[str] = set()
    for obj in sorted(objects, key=lambda o: o.key):
        ready = _render(obj, settings, now)
        if done is not None:
            done()
        if ready is None or ready.post.post_id in taken:
            fallback.append(obj.key)  # sync_source publishes, schedules or reports it
            continue
        taken.add(ready.post.post_id)
        rendered.append(ready)
        if kept is not None:
            kept(ready)
    return rendered, fallback


def plan_links(rendered: Sequence[Rendered]) -> tuple[list[LoadedPost], set[tuple[str, str]]]:
    """Replay one-at-a-time publishing in order: related posts, neighbours, old addresses. Pure.

    Return the posts to load and the (post, linker) reverse entries of related posts.
    """
    listings = _TagListings()
    related: dict[str, tuple[PostSummary, ...]] = {}
    linked: set[tuple[str, str]] = set()
    summaries = {r.post.post_id: summary_of(r.post) for r in rendered}
    for ready in rendered:
        own = summaries[ready.post.post_id]
        chosen = listings.related(own)
        related[own.post_id] = chosen
        linked |= {(other.post_id, own.post_id) for other in chosen}
        listings.add(own)
        for other in chosen:  # relate_back: they likely name the new post now
            again = listings.related(other)
            related[other.post_id] = again
            linked |= {(r.post_id, other.post_id) for r in again}
    ordered = sorted(summaries.values(), key=lambda s: s.sort_key)
    position = {s.post_id: i for i, s in enumerate(ordered)}
    claimed: dict[str, str] = {}
    loaded = []
    for ready in rendered:
        at = position[ready.post.post_id]
        wanted = dict.fromkeys(ready.post.aliases)
        aliases = tuple(a for a in wanted if a not in claimed)
        held = {a: claimed[a] for a in wanted if a in claimed}
        claimed.update(dict.fromkeys(aliases, ready.post.source_key))
        loaded.append(
            LoadedPost(
                post=ready.post,
                version=ready.version,
                terms=ready.terms,
                related=links(related[ready.post.post_id]),
                older=ordered[at - 1] if at > 0 else None,
                newer=ordered[at + 1] if at + 1 < len(ordered) else None,
                aliases=aliases,
                held_elsewhere=held,
            )
        )
    return loaded, linked


def keep_held_addresses(loaded: list[LoadedPost], store: BlogStore) -> list[LoadedPost]:
    """Leave old addresses the table already gives another file (a page) to that file.

    Batch writes cannot be conditional, so the claims are checked first (BatchGetItem of
    100 addresses): as one at a time, the first claimer keeps an address.
    """
    holders = store.redirects.holders([a for p in loaded for a in p.aliases])
    kept = []
    for post in loaded:
        taken = {
            a: holders[a]
            for a in post.aliases
            if holders.get(a, post.post.source_key) != post.post.source_key
        }
        if taken:
            aliases = tuple(a for a in post.aliases if a not in taken)
            held = {**post.held_elsewhere, **taken}
            post = dataclasses.replace(post, aliases=aliases, held_elsewhere=held)
        kept.append(post)
    return kept


def publish_bulk(
    objects: Sequence[SourceObject],
    s3: Any,
    store: BlogStore,
    settings: Settings,
    now: datetime | None = None,
    progress: Progress | None = None,
) -> Counter[str]:
    """Publish sources (bulk candidates) in batches, the rest one at a time; count outcomes."""
    now = now or datetime.now(UTC)
    tick = progress or (lambda _stage, _done, _total: None)
    with BulkWrites(store.table) as writes:
        waiting: list[Rendered] = []

        def send_postings(ready: Rendered | None) -> None:
            # Every rendered post is loaded: its postings go while the next ones render.
            if ready is not None:
                waiting.append(ready)
            if waiting and (ready is None or len(waiting) == _POSTINGS_CHUNK):
                writes.write_postings([(r.post, r.terms) for r in waiting])
                waiting.clear()

        rendered, fallback = render_all(
            objects, settings, now, lambda: tick("render", 1, len(objects)), send_postings
        )
        send_postings(None)
        loaded, linked = plan_links(rendered)
        loaded = keep_held_addresses(loaded, store)
        loaded = [_offloaded(p, s3, settings.bucket_name) for p in loaded]
        writes.release(fallback)
        writes.load(loaded, linked, lambda n: tick("write", n, len(loaded)))
    # As one at a time: a published post's preview link ends (links outlive a wipe).
    store.previews.end_all(p.post.source_key for p in loaded)
    outcomes: Counter[str] = Counter(published=len(loaded))
    for key in sorted(fallback):
        outcomes[sync_source(key, s3, store, settings, now=now)] += 1
        tick("one-by-one", 1, len(fallback))
    refresh_layout(store)
    _file_reports(s3, settings.bucket_name, loaded)
    return outcomes


def read_sources(s3: Any, settings: Settings, keys: Sequence[str]) -> list[SourceObject]:
    """Read sources and their comments files from the bucket (GetObject each, side by side)."""
    listed = set(_listed(s3, settings.bucket_name))

    def read(key: str) -> SourceObject | None:
        fetched = fetch_object(s3, settings.bucket_name, key, settings.max_post_bytes)
        if fetched is None:
            return None
        comments = None
        if comments_key(key) in listed:
            extra = fetch_object(s3, settings.bucket_name, comments_key(key), 1 << 40)
            comments = extra.document.body if extra and extra.document else None
        return SourceObject(key, fetched.version, fetched.document, comments)

    with ThreadPoolExecutor(max_workers=_READERS) as pool:
        found = pool.map(read, [k for k in keys if is_source_key(k)])
        return [obj for obj in found if obj is not None]


def uploaded_sources(
    s3: Any,
    bucket: str,
    bodies: Mapping[str, bytes],
    comments: Mapping[str, bytes] | None = None,
    metadata: Mapping[str, Mapping[str, str]] | None = None,
) -> list[SourceObject]:
    """Pair sources just uploaded (key -> bytes) with their versions (one List per 1,000).

    A listing gives LastModified to the millisecond, GetObject to the second (what
    ``sync_source`` records): cut to the second. A body S3 no longer holds is left out.
    """
    comments = comments or {}
    metadata = metadata or {}
    found = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=POSTS_PREFIX):
        for entry in page.get("Contents", []):
            key = entry["Key"]
            body = bodies.get(key)
            etag = str(entry["ETag"]).strip('"')
            if body is None or md5_hex(body) != etag:
                continue
            modified = entry["LastModified"].replace(microsecond=0)
            version = SourceVersion(etag, modified)
            document = SourceDocument(key, body, modified, dict(metadata.get(key, {})))
            found.append(SourceObject(key, version, document, comments.get(key)))
    return found


def summary_of(post: Post) -> PostSummary:
    """Return the listing summary of a post, as its listing entries hold it."""
    return PostSummary(
        post_id=post.post_id,
        title=post.title,
        published=post.published,
        summary=post.summary,
        tags=post.tags,
        categories=post.categories,
        sort_key=post.sort_key,
        author=post.author,
    )


class _TagListings:
    """The tag listings as published so far, for choosing related posts as the table would."""

    def __init__(self) -> None:
        self._by_tag: dict[str, list[tuple[str, PostSummary]]] = {}

    def add(self, post: PostSummary) -> None:
        for tag in post.tags:
            bisect.insort(self._by_tag.setdefault(tag.key, []), (post.sort_key, post))

    def related(self, post: PostSummary) -> tuple[PostSummary, ...]:
        """Choose related posts exactly as publishing/related.py's related_posts does."""
        candidates: dict[str, PostSummary] = {}
        for tag in post.tags[:RELATED_TAGS_READ]:
            newest = self._by_tag.get(tag.key, [])[-(RELATED_POSTS + 1) :]
            for _, other in reversed(newest):
                if other.post_id != post.post_id:
                    candidates[other.post_id] = other
        return choose_related(post, candidates.values())


def _render(obj: SourceObject, settings: Settings, now: datetime) -> Rendered | None:
    """Render a post the bulk load can publish; None for anything sync_source must handle."""
    if obj.document is None or not obj.key.startswith(POSTS_PREFIX):
        return None
    try:
        post = build_post(obj.document, settings)
        if post.draft or post.published > now:
            return None
        terms = index_terms(post, html_to_text(post.html))
        if obj.comments is not None:
            html = with_comments(post.html, render_comments(parse_comments(obj.comments)))
            post = dataclasses.replace(post, html=html)
    except ParseError:
        return None
    return Rendered(post, obj.version, terms)


def _offloaded(loaded: LoadedPost, s3: Any, bucket: str) -> LoadedPost:
    post = bodies.offload(s3, bucket, loaded.post)
    return loaded if post is loaded.post else dataclasses.replace(loaded, post=post)


def _listed(s3: Any, bucket: str, prefix: str = POSTS_PREFIX) -> Iterable[str]:
    paginator = s3.get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=bucket, Prefix=prefix):
        for entry in page.get("Contents", []):
            yield entry["Key"]


def _file_reports(s3: Any, bucket: str, loaded: Sequence[LoadedPost]) -> None:
    """Report old addresses held elsewhere; delete the other published sources' reports."""
    clean = {reports.report_key(p.post.source_key): p.post.source_key for p in loaded}
    for post in loaded:
        if post.held_elsewhere:
            reason = reports.aliases_held_elsewhere(dict(post.held_elsewhere))
            key = post.post.source_key
            report = reports.new_report(key, reason, post.version.etag, published=True)
            reports.write_report(s3, bucket, report)
            del clean[reports.report_key(key)]
    for key in list(_listed(s3, bucket, reports.ERRORS_PREFIX)):
        if key in clean:
            reports.clear_report(s3, bucket, clean[key])
