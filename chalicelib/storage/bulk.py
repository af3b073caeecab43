"""Bulk loading, write side: many posts' items in batches of 25 (docs/data-model.md).

Only for posts whose sources the table does not know, into a table that publishes no
post yet (a first import, ``reindex --wipe``): every item is then new, so plain puts
write exactly what one transaction and its follow-ups per post would have written, and
a rerun after a crash rewrites the same items. Counters get their final values as puts.

Each source's item is written last, once everything it accounts for is in the table:
until then the source stays claimed, and a rerun loads it again. Search postings (most
of a post's items) depend on the post alone, so they may go first, in the background
while later posts still render (``write_postings``); ``load`` waits for them before it
writes any source item.

The batches are sent without botocore's parameter validation (``aws.unvalidated``):
storage/items.py built every attribute, and validating 25 items again cost about a
third of the client's CPU per request.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import TracebackType
from typing import Any

from chalicelib.aws import unvalidated
from chalicelib.models import Link, Post, PostSummary
from chalicelib.storage.items import (
    link_attr,
    post_attributes,
    redirect_attributes,
    source_attributes,
    summary_attributes,
)
from chalicelib.storage.keys import (
    GENERATION,
    ITEM,
    SOURCE_INDEX,
    linked_from,
    post_item,
    redirect_item,
    source_item,
    term_postings,
)
from chalicelib.storage.records import SourceRecord, SourceVersion
from chalicelib.storage.transactions import BATCH_WRITE_ITEMS, WritableTable

# Marks a source claimed by a bulk load that has not written its post yet (see claim).
CLAIM = "bulk_claim"
_CLAIMED_AT = datetime(1970, 1, 1, tzinfo=UTC)
# BatchWriteItem requests in flight at once: the table is the bottleneck, not the client.
_WRITERS = 4
Item = tuple[str, str, dict[str, Any]]
Progress = Callable[[int], None]


@dataclass(frozen=True)
class LoadedPost:
    """One post as the bulk load writes it, with everything its follow-ups would write."""

    post: Post
    version: SourceVersion
    terms: Mapping[str, int]
    related: tuple[Link, ...]
    older: PostSummary | None
    newer: PostSummary | None
    aliases: tuple[str, ...]  # the old addresses it claims first
    # Old addresses another file holds (alias -> that file): reported, as one at a time.
    held_elsewhere: Mapping[str, str] = field(default_factory=dict)

    def record(self) -> SourceRecord:
        """Return its source's record as one-at-a-time publishing leaves it: done, rev 1."""
        post = self.post
        return SourceRecord(
            key=post.source_key,
            post_id=post.post_id,
            sort_key=post.sort_key,
            tags=post.tags,
            categories=post.categories,
            version=self.version,
            rev=1,
            terms=tuple(sorted(self.terms)),
            aliases=post.aliases,
            author_key=post.author.key if post.author else "",
            sticky=post.sticky,
        )


class BulkWrites:
    """Claim sources, then write posts and their derived items with BatchWriteItem.

    Use it as a context manager when writing postings in the background: leaving it
    stops what is still queued (after an error) and waits for what is in flight.
    """

    def __init__(self, table: WritableTable) -> None:
        self._table = table
        self._batches = WritableTable(unvalidated(table.client), table.name)
        self._background: ThreadPoolExecutor | None = None
        self._pending: list[Future[None]] = []
        self._postings_sent: set[str] = set()  # post ids whose postings are queued

    def __enter__(self) -> BulkWrites:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self._background is not None:
            self._background.shutdown(wait=True, cancel_futures=True)
            self._background = None

    def write_postings(self, posts: Sequence[tuple[Post, Mapping[str, int]]]) -> None:
        """Queue these posts' search postings, written on one background thread.

        Only for posts the load will publish (``load`` then skips their postings). A
        failure is raised here, on the next call, or by ``load``.
        """
        self._raise_failed()
        if self._background is None:
            self._background = ThreadPoolExecutor(max_workers=1, thread_name_prefix="postings")
        queued = [(post.sort_key, terms) for post, terms in posts]
        self._pending.append(self._background.submit(self._write_postings, queued))
        self._postings_sent.update(post.post_id for post, _terms in posts)

    def _write_postings(self, queued: list[tuple[str, Mapping[str, int]]]) -> None:
        self._write([item for sort_key, terms in queued for item in _postings(sort_key, terms)])

    def _raise_failed(self) -> None:
        for future in [f for f in self._pending if f.done()]:
            future.result()  # raises the background write's error, if any

    def _wait_for_postings(self) -> None:
        while self._pending:
            self._pending.pop(0).result()

    def known_sources(self) -> tuple[set[str], set[str]]:
        """Return the sources the table knows, and those only claimed by a bulk load (Query)."""
        known: set[str] = set()
        claimed: set[str] = set()
        for item in self._table.query(SOURCE_INDEX, consistent=True):
            (claimed if item.get(CLAIM) else known).add(item["sk"])
        return known, claimed

    def claim(self, etags: Mapping[str, str]) -> None:
        """Mark sources (key -> ETag to come) as published, so their S3 events change nothing.

        The claim looks like a published version with that ETag, so ``sync_source`` finds
        it unchanged; its index entry has no ETag, so reconcile never takes it for a
        deleted file. ``load`` replaces both; ``release`` removes them.
        """
        items: list[Item] = []
        for key, etag in sorted(etags.items()):
            record = SourceRecord(key, "", "", (), (), SourceVersion(etag, _CLAIMED_AT), 0)
            items.append((source_item(key), ITEM, {**source_attributes(record), CLAIM: True}))
            items.append((SOURCE_INDEX, key, {"etag": "", "todo": False, CLAIM: True}))
        self._write(items)

    def release(self, keys: Iterable[str]) -> None:
        """Remove the claims of sources the bulk load leaves to one-at-a-time publishing."""
        deletes = [(source_item(k), ITEM) for k in keys] + [(SOURCE_INDEX, k) for k in keys]
        requests = [
            {"DeleteRequest": {"Key": self._batches.delete(pk, sk)["Delete"]["Key"]}}
            for pk, sk in deletes
        ]
        self._send(requests)

    def load(
        self,
        posts: list[LoadedPost],
        linked: Iterable[tuple[str, str]],
        progress: Progress | None = None,
    ) -> int:
        """Write the posts, their listings, counters, postings and links; return the generation.

        ``linked`` holds (post id, id of a post whose related posts named it). Each
        source's item goes last, once everything it accounts for is written, postings
        queued by ``write_postings`` included.
        """
        generation = self._add_generation(len(posts))
        derived: list[Item] = [(linked_from(target), linker, {}) for target, linker in linked]
        derived += _counter_items(posts)
        self._write(derived)
        for start in range(0, len(posts), 100):
            chunk = posts[start : start + 100]
            items = [item for p in chunk for item in _post_items(p, generation)]
            for loaded in chunk:
                if loaded.post.post_id not in self._postings_sent:
                    items += _postings(loaded.post.sort_key, loaded.terms)
            self._write(items)
            if progress is not None:
                progress(len(chunk))
        self._wait_for_postings()
        sources: list[Item] = []
        for loaded in posts:
            attributes = source_attributes(loaded.record())
            del attributes["stale"]  # as the follow-ups leave it: nothing left to clear
            sources.append((source_item(loaded.post.source_key), ITEM, attributes))
            sources.append((SOURCE_INDEX, loaded.post.source_key, _index_entry(loaded)))
        self._write(sources)
        return generation

    def _add_generation(self, changes: int) -> int:
        update = self._table.update(GENERATION, ITEM, "ADD gen :n", {":n": {"N": str(changes)}})
        response = self._table.client.update_item(**update["Update"], ReturnValues="UPDATED_NEW")
        return int(response["Attributes"]["gen"]["N"])

    def _write(self, items: list[Item]) -> None:
        requests = [
            {"PutRequest": {"Item": self._batches.put(pk, sk, attributes)["Put"]["Item"]}}
            for pk, sk, attributes in items
        ]
        self._send(requests)

    def _send(self, requests: list[dict[str, Any]]) -> None:
        batches = [
            requests[start : start + BATCH_WRITE_ITEMS]
            for start in range(0, len(requests), BATCH_WRITE_ITEMS)
        ]
        with ThreadPoolExecutor(max_workers=_WRITERS) as pool:
            list(pool.map(self._batches.batch_write, batches))


def _post_items(loaded: LoadedPost, generation: int) -> list[Item]:
    """Return a post's item, listing entries and redirects (its postings: ``_postings``)."""
    post = loaded.post
    attributes = post_attributes(post, loaded.version.modified, loaded.related)
    attributes.update(
        older=link_attr(loaded.older), newer=link_attr(loaded.newer), linkgen=generation
    )
    items: list[Item] = [(post_item(post.post_id), ITEM, attributes)]
    summary = summary_attributes(post)
    record = loaded.record()
    items += [(p, post.sort_key, summary) for p in sorted(record.listing_partitions())]
    claim = redirect_attributes(post.source_key, post_id=post.post_id)
    items += [(redirect_item(alias), ITEM, claim) for alias in loaded.aliases]
    return items


def _postings(sort_key: str, terms: Mapping[str, int]) -> list[Item]:
    """Return a post's search postings: they depend on the post alone."""
    length = sum(terms.values())
    return [(term_postings(t), sort_key, {"w": w, "len": length}) for t, w in terms.items()]


def _counter_items(posts: list[LoadedPost]) -> list[Item]:
    """Return every counter item with its final value; names as the last post gave them.

    A category's parent is the last one a post stated ("" removes it), as one at a time.
    """
    values: dict[tuple[str, str], dict[str, Any]] = {}
    for loaded in posts:
        record = loaded.record()
        for counter, name in sorted(record.counters().items()):
            item = values.setdefault((counter.pk, counter.sk), {})
            item[counter.attribute] = item.get(counter.attribute, 0) + 1
            if name:
                item["name"] = name
        for counter, parent in record.category_parents().items():
            item = values[(counter.pk, counter.sk)]
            if parent:
                item["parent"] = parent
            else:
                item.pop("parent", None)
    return [(pk, sk, attributes) for (pk, sk), attributes in sorted(values.items())]


def _index_entry(loaded: LoadedPost) -> dict[str, Any]:
    return {"etag": loaded.version.etag, "todo": False}
