"""The write side of publishing: a source file's post or page, its listings and counts."""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any

from chalicelib.models import Link, Post, StaticPage
from chalicelib.storage.counters import count_actions, counter_changes
from chalicelib.storage.items import (
    is_page_source,
    page_attributes,
    page_source_attributes,
    page_source_from_item,
    post_attributes,
    redirect_attributes,
    source_attributes,
    source_from_item,
    summary_attributes,
)
from chalicelib.storage.keys import (
    COUNTS,
    GENERATION,
    ITEM,
    SOURCE_INDEX,
    linked_from,
    menu_entry,
    page_item,
    post_item,
    source_item,
    term_postings,
)
from chalicelib.storage.links import Links
from chalicelib.storage.records import PageSource, SourceRecord, SourceVersion
from chalicelib.storage.redirects import Redirects
from chalicelib.storage.transactions import (
    BATCH_WRITE_ITEMS,
    Action,
    WritableTable,
    condition,
    if_owned_by,
    if_revision,
)

_WRITERS = 8


class SourceWrites:
    """Publish and unpublish what source files hold, in one transaction each."""

    def __init__(self, table: WritableTable, links: Links, redirects: Redirects) -> None:
        self._table = table
        self._links = links
        self._redirects = redirects

    def get_source(self, key: str) -> SourceRecord | None:
        """Return what is published from a post's S3 key, if anything."""
        state = self._post_source(key)
        return None if state is None or state.removed else state

    def save_post(
        self,
        post: Post,
        version: SourceVersion,
        force: bool = False,
        terms: Mapping[str, int] | None = None,
        related: tuple[Link, ...] = (),
    ) -> bool:
        """Publish or update a post; return False when this version is already stored or older.

        ``force`` rewrites an already stored version (a rebuild after a code change);
        ``terms`` are the post's weighted search terms; ``related`` its related posts.
        """
        terms = terms or {}
        committed: list[SourceRecord] = []

        def build() -> list[Action] | None:
            old = self._post_source(post.source_key)
            live = None if old is None or old.removed else old
            if live is not None and not (force or version.replaces(live.version)):
                return None
            record = SourceRecord(
                key=post.source_key,
                post_id=post.post_id,
                sort_key=post.sort_key,
                tags=post.tags,
                categories=post.categories,
                version=version,
                rev=old.rev + 1 if old else 1,
                terms=tuple(sorted(terms)),
                stale=old.stale_after() if old else {},
                todo=True,
                aliases=post.aliases,
                author_key=post.author.key if post.author else "",
                sticky=post.sticky,
                gone_aliases=old.aliases_gone_after(post.aliases) if old else (),
            )
            committed[:] = [record]
            table = self._table
            claim = table.put(
                post_item(post.post_id), ITEM, post_attributes(post, version.modified, related)
            )
            actions = [
                self._put_source(record, old),
                if_owned_by(claim, post.source_key),
                _bump_generation(table),
                _put_index_entry(table, record.key, version.etag),
            ]
            if live is not None and live.post_id != post.post_id:
                actions.append(table.delete(post_item(live.post_id)))
            actions += _index_actions(table, live, record, summary_attributes(post))
            actions += [table.put(linked_from(link.post_id), post.post_id, {}) for link in related]
            return actions

        if not self._table.transact_until_committed(post.source_key, build):
            return False
        self.write_followups(committed[0], terms)
        return True

    def remove_post(self, key: str) -> bool:
        """Unpublish the post a source file published; return False if there was none."""
        committed: list[SourceRecord] = []

        def build() -> list[Action] | None:
            old = self._post_source(key)
            if old is None or old.removed:
                return None
            # A tombstone, not a delete: a retry after a crash still knows what to clear.
            tombstone = replace(
                old,
                rev=old.rev + 1,
                terms=(),
                stale=old.stale_after(),
                todo=True,
                removed=True,
                aliases=(),
                gone_aliases=old.aliases_gone_after(),
                version=SourceVersion("", old.version.modified),
            )
            committed[:] = [tombstone]
            return [
                self._put_source(tombstone, old),
                self._table.delete(post_item(old.post_id)),
                _bump_generation(self._table),
                _put_index_entry(self._table, key, ""),
                *_index_actions(self._table, old, None, {}),
            ]

        if not self._table.transact_until_committed(key, build):
            return False
        self.write_followups(committed[0], {})
        return True

    def save_page(self, page: StaticPage, version: SourceVersion, force: bool = False) -> bool:
        """Publish or update a static page and its menu entry; False if already stored or older.

        Its old addresses are claimed (and those it dropped released) after the transaction.
        """
        table, key = self._table, page.source_key
        entry = menu_entry(page.menu_order, page.slug)
        committed: list[PageSource] = []

        def build() -> list[Action] | None:
            old = self._page_source(key)
            live = None if old is None or old.removed else old
            if live is not None and not (force or version.replaces(live.version)):
                return None
            source = PageSource(
                key,
                page.slug,
                entry,
                version,
                rev=old.rev + 1 if old else 1,
                aliases=page.aliases,
                gone_aliases=old.aliases_gone_after(page.aliases) if old else (),
            )
            committed[:] = [source]
            claim = table.put(page_item(page.slug), ITEM, page_attributes(page))
            actions = [
                self._put_page_source(source, old),
                if_owned_by(claim, key),
                table.put(COUNTS, entry, {"name": page.title, "n": 1}),
                _bump_generation(table),
                _put_index_entry(table, key, version.etag),
            ]
            if live is not None and live.slug != page.slug:
                actions.append(table.delete(page_item(live.slug)))
            if live is not None and live.menu_entry != entry:
                actions.append(table.delete(COUNTS, live.menu_entry))
            return actions

        if not table.transact_until_committed(key, build):
            return False
        self.write_page_followups(committed[0])
        return True

    def remove_page(self, key: str) -> bool:
        """Unpublish the static page a source file published; False if there was none."""
        table = self._table
        committed: list[PageSource] = []

        def build() -> list[Action] | None:
            old = self._page_source(key)
            if old is None or old.removed:
                return None
            # A tombstone, as for posts: a retry after a crash still knows what to release.
            tombstone = replace(
                old,
                rev=old.rev + 1,
                todo=True,
                removed=True,
                aliases=(),
                gone_aliases=old.aliases_gone_after(),
                version=SourceVersion("", old.version.modified),
            )
            committed[:] = [tombstone]
            return [
                self._put_page_source(tombstone, old),
                table.delete(page_item(old.slug)),
                table.delete(COUNTS, old.menu_entry),
                _bump_generation(table),
                _put_index_entry(table, key, ""),
            ]

        if not table.transact_until_committed(key, build):
            return False
        self.write_page_followups(committed[0])
        return True

    def unfinished_page(self, key: str) -> PageSource | None:
        """Return a page source whose follow-up writes are not all made (consistent)."""
        source = self._page_source(key)
        return source if source is not None and source.todo else None

    def write_page_followups(self, source: PageSource) -> None:
        """Claim a committed page's old addresses and release those it gave up; retryable."""
        target = redirect_attributes(source.key, page=source.slug)
        self._redirects.apply(source.key, target, source.aliases, source.gone_aliases)

    def write_followups(self, record: SourceRecord, terms: Mapping[str, int]) -> None:
        """Write a committed source's postings, links and redirects; idempotent, so retryable."""
        self._write_postings(record, terms)
        self._links.relink({record.sort_key, *record.stale})
        target = redirect_attributes(record.key, post_id=record.post_id)
        self._redirects.apply(record.key, target, record.aliases, record.gone_aliases)

    def unfinished_source(self, key: str) -> SourceRecord | None:
        """Return a source whose follow-up writes are not all made (one consistent GetItem).

        A static page's record carries its version and whether it is a tombstone; its
        follow-ups are its old addresses (``unfinished_page``) and the layout.
        """
        item = self._table.get(source_item(key), consistent=True)
        if item is None or not item.get("todo"):
            return None
        if is_page_source(item):
            return page_source_from_item(key, item).as_record()
        return source_from_item(key, item)

    def mark_followups_done(self, key: str, etag: str) -> bool:
        """Record that a source version's follow-ups are made; False if it changed meanwhile.

        ``etag`` is that of the version published, or "" for an unpublished source, whose
        tombstone then goes.
        """
        table = self._table
        done = {":done": {"BOOL": False}}
        if etag:
            expression = "SET todo = :done REMOVE stale, gone_aliases"
            source = table.update(source_item(key), ITEM, expression, done)
            index = table.update(SOURCE_INDEX, key, "SET todo = :done", done)
        else:
            source, index = table.delete(source_item(key)), table.delete(SOURCE_INDEX, key)
        return table.transact([_if_pending(source, etag), index]) is None

    def body_key(self, post_id: str) -> str | None:
        """Return where the committed item of a post keeps its body, if outside (consistent)."""
        item = self._table.get(post_item(post_id), consistent=True, projection="body_key")
        found = (item or {}).get("body_key")
        return None if found is None else str(found)

    def _post_source(self, key: str) -> SourceRecord | None:
        item = self._table.get(source_item(key), consistent=True)
        return None if item is None else source_from_item(key, item)

    def _page_source(self, key: str) -> PageSource | None:
        item = self._table.get(source_item(key), consistent=True)
        return None if item is None else page_source_from_item(key, item)

    def _put_page_source(self, source: PageSource, old: PageSource | None) -> Action:
        put = self._table.put(source_item(source.key), ITEM, page_source_attributes(source))
        return if_revision(put, old.rev if old else None)

    def _put_source(self, record: SourceRecord, old: SourceRecord | None) -> Action:
        put = self._table.put(source_item(record.key), ITEM, source_attributes(record))
        return if_revision(put, old.rev if old else None)

    def _write_postings(self, record: SourceRecord, terms: Mapping[str, int]) -> None:
        # Search postings sit outside the transaction (a post has up to 400 terms): the
        # source record names the stale ones until they are gone, so this is retryable.
        fresh = {(term_postings(t), record.sort_key) for t in terms}
        stale = {(term_postings(t), sk) for sk, ts in record.stale.items() for t in ts} - fresh
        length = sum(terms.values())
        puts = [
            self._table.put(term_postings(t), record.sort_key, {"w": w, "len": length})
            for t, w in terms.items()
        ]
        requests: list[dict[str, Any]] = [{"PutRequest": {"Item": p["Put"]["Item"]}} for p in puts]
        deletes = [self._table.delete(pk, sk) for pk, sk in sorted(stale)]
        requests += [{"DeleteRequest": {"Key": d["Delete"]["Key"]}} for d in deletes]
        batches = [
            requests[start : start + BATCH_WRITE_ITEMS]
            for start in range(0, len(requests), BATCH_WRITE_ITEMS)
        ]
        # A post has up to 16 batches: sent side by side, they cost about one round trip.
        with ThreadPoolExecutor(max_workers=_WRITERS) as pool:
            list(pool.map(self._table.batch_write, batches))


def _index_actions(
    table: WritableTable,
    old: SourceRecord | None,
    new: SourceRecord | None,
    summary: dict[str, Any],
) -> list[Action]:
    """Listing entries and counter updates that move the index from old to new."""
    actions: list[Action] = []
    old_entries = {(p, old.sort_key) for p in old.listing_partitions()} if old else set()
    new_entries = {(p, new.sort_key) for p in new.listing_partitions()} if new else set()
    actions += [table.delete(pk, sk) for pk, sk in sorted(old_entries - new_entries)]
    actions += [table.put(pk, sk, summary) for pk, sk in sorted(new_entries)]
    return actions + count_actions(table, *counter_changes(old, new))


def _if_pending(action: Action, etag: str) -> Action:
    """Condition a write on a source still awaiting the follow-ups of this version."""
    values = {":etag": {"S": etag}, ":todo": {"BOOL": True}}
    return condition(action, "etag = :etag AND todo = :todo", values)


def _bump_generation(table: WritableTable) -> Action:
    return table.update(GENERATION, ITEM, "ADD gen :one", {":one": {"N": "1"}})


def _put_index_entry(table: WritableTable, key: str, etag: str) -> Action:
    return table.put(SOURCE_INDEX, key, {"etag": etag, "todo": True})
