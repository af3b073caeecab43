"""All DynamoDB access. The key schema is documented in docs/data-model.md."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from chalicelib.models import (
    Layout,
    Link,
    ListingPage,
    MenuEntry,
    Page,
    Post,
    PostSummary,
    SiteIndex,
    StoredPost,
    Term,
    TermCount,
)
from chalicelib.search import Posting

LOG = logging.getLogger(__name__)
ALL_POSTS = "LIST#all"
COUNTS = "COUNT"
SCHEDULE = "SCHEDULE"
# One small item per source file (etag, follow-ups pending): what reconcile compares
# with the bucket, read with a Query instead of a Scan over every item of the table.
SOURCE_INDEX = "SOURCES"
LAYOUT = "LAYOUT"
# LINKED#<post id> holds one item per post whose related posts name that post, so that
# when it is deleted or moves, exactly those posts choose their related posts again.
LINKED_FROM = "LINKED#"
# Every post and page transaction adds one: derived items (neighbour links, the
# layout) carry the generation they were computed at, so a stale one never wins.
GENERATION = "GEN"
RECENT_POSTS = 5
_ITEM_SK = "#"
_SORT_KEY_MAX = "~"  # sorts after every character a sort key can hold after its date
_MAX_ATTEMPTS = 8
POSTINGS_PER_TERM = 1000
_WRITERS = 8
_SERIALIZER = TypeSerializer()
_DESERIALIZER = TypeDeserializer()


class SlugTakenError(Exception):
    """Another source file already publishes at this permalink."""


class StorageConflictError(Exception):
    """A write kept losing races with concurrent writers."""


@dataclass(frozen=True)
class SourceVersion:
    """Which version of an S3 object a post was built from."""

    etag: str
    modified: datetime


@dataclass(frozen=True)
class IndexedSource:
    """A source file as the table's source index lists it."""

    etag: str  # "" once unpublished, while its follow-ups are pending
    todo: bool


@dataclass(frozen=True)
class SourceRecord:
    """What the table holds about one source object: enough to undo its post's index."""

    key: str
    post_id: str
    sort_key: str
    tags: tuple[Term, ...]
    categories: tuple[Term, ...]
    version: SourceVersion
    rev: int
    terms: tuple[str, ...] = ()
    # Postings and listing positions the follow-up writes still have to clear: old sort
    # key -> terms. Kept until the follow-ups are done, so a retry can finish them.
    stale: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # True from the transaction until every follow-up write (postings, links, related,
    # layout) is made; a redelivered event or reconcile finishes what a crash left.
    todo: bool = False
    # A tombstone: the source was unpublished, its follow-ups are not all done yet.
    removed: bool = False

    def departed_post_ids(self) -> set[str]:
        """Return the ids this source published before and no longer does (deleted, moved)."""
        earlier = {sort_key.split("#", 1)[1] for sort_key in self.stale}
        return earlier if self.removed else earlier - {self.post_id}

    def listing_partitions(self) -> set[str]:
        """Return every listing partition this post appears in."""
        return (
            {ALL_POSTS}
            | {tag_listing(t.key) for t in self.tags}
            | {category_listing(c.key) for c in self.categories}
        )

    def counters(self) -> dict[Counter, str]:
        """Return the counters this post adds one to, with their display names."""
        day = self.sort_key[:10]
        counters = {
            Counter(COUNTS, f"month#{day[:7]}"): day[:7],
            Counter(days_item(day[:7]), _ITEM_SK, f"d{day[8:]}"): "",
        }
        counters.update({Counter(COUNTS, f"tag#{t.key}"): t.name for t in self.tags})
        counters.update({Counter(COUNTS, f"category#{c.key}"): c.name for c in self.categories})
        return counters


@dataclass(frozen=True, order=True)
class Counter:
    """One number in the table: an attribute of the item at (pk, sk)."""

    pk: str
    sk: str
    attribute: str = "n"


@dataclass(frozen=True)
class PageData:
    """What one BatchGetItem fetched for a page: the layout and the items asked for."""

    layout: Layout
    days: frozenset[int] = frozenset()
    post: StoredPost | None = None
    page: Page | None = None


def days_item(month: str) -> str:
    """Return the partition of a month's per-day post counts (``yyyy-mm``)."""
    return f"DAYS#{month}"


def tag_listing(key: str) -> str:
    """Return the listing partition of a tag."""
    return f"LIST#tag#{key}"


def category_listing(key: str) -> str:
    """Return the listing partition of a category."""
    return f"LIST#category#{key}"


class BlogStore:
    """Posts, listings and counts in one DynamoDB table."""

    def __init__(
        self, client: Any, table_name: str, load_body: Callable[[str], str] | None = None
    ) -> None:
        self._client = client
        self._table = table_name
        # Reads a body stored outside its item (see chalicelib/bodies.py); pages need it.
        self._load_body = load_body

    # Write side ---------------------------------------------------------------

    def get_source(self, key: str) -> SourceRecord | None:
        """Return what is published from an S3 key, if anything."""
        state = self._source_state(key)
        return None if state is None or state.removed else state

    def _source_state(self, key: str) -> SourceRecord | None:
        item = self._get(f"SOURCE#{key}", consistent=True)
        return None if item is None else _source_from_item(key, item)

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
        for attempt in range(_MAX_ATTEMPTS):
            old = self._source_state(post.source_key)
            live = None if old is None or old.removed else old
            if live is not None and not (force or _is_newer(version, live.version)):
                return False
            record = SourceRecord(
                key=post.source_key,
                post_id=post.post_id,
                sort_key=post.sort_key,
                tags=post.tags,
                categories=post.categories,
                version=version,
                rev=old.rev + 1 if old else 1,
                terms=tuple(sorted(terms)),
                stale=_stale_after(old),
                todo=True,
            )
            actions = [
                _put_source(self._table, record, old),
                _put_post(self._table, post, version.modified, related),
                _bump_generation(self._table),
                _put_index_entry(self._table, record.key, version.etag),
            ]
            if live is not None and live.post_id != post.post_id:
                actions.append(_delete(self._table, f"POST#{live.post_id}", _ITEM_SK))
            actions += _index_actions(self._table, live, record, _summary_attributes(post))
            actions += [_linked_from(self._table, link.post_id, post.post_id) for link in related]
            if self._transact(actions, post.source_key, attempt):
                self.write_followups(record, terms)
                return True
        raise StorageConflictError(f"gave up saving {post.source_key} after repeated conflicts")

    def remove_source(self, key: str) -> bool:
        """Unpublish whatever an S3 key published; return False if there was nothing."""
        for attempt in range(_MAX_ATTEMPTS):
            old = self._source_state(key)
            if old is None or old.removed:
                return False
            # A tombstone, not a delete: a retry after a crash still knows what to clear.
            tombstone = replace(
                old,
                rev=old.rev + 1,
                terms=(),
                stale=_stale_after(old),
                todo=True,
                removed=True,
                version=SourceVersion("", old.version.modified),
            )
            actions = [
                _put_source(self._table, tombstone, old),
                _delete(self._table, f"POST#{old.post_id}", _ITEM_SK),
                _bump_generation(self._table),
                _put_index_entry(self._table, key, ""),
                *_index_actions(self._table, old, None, {}),
            ]
            if self._transact(actions, key, attempt):
                self.write_followups(tombstone, {})
                return True
        raise StorageConflictError(f"gave up removing {key} after repeated conflicts")

    def write_followups(self, record: SourceRecord, terms: Mapping[str, int]) -> None:
        """Write a committed source's postings and neighbour links; idempotent, so retryable."""
        self._write_postings(record, terms)
        self._relink({record.sort_key, *record.stale})

    def unfinished_source(self, key: str) -> SourceRecord | None:
        """Return a source whose follow-up writes are not all made (one consistent GetItem).

        A static page's record carries only its version: its one follow-up is the layout.
        """
        item = self._get(f"SOURCE#{key}", consistent=True)
        if item is None or not item.get("todo"):
            return None
        if "page" in item:
            return SourceRecord(key, "", "", (), (), _page_version(item), int(item["rev"]))
        return _source_from_item(key, item)

    def mark_followups_done(self, key: str, etag: str) -> bool:
        """Record that a source version's follow-ups are made; False if it changed meanwhile.

        ``etag`` is that of the version published, or "" for an unpublished source, whose
        tombstone then goes.
        """
        source_key = _key(f"SOURCE#{key}", _ITEM_SK)
        condition = "etag = :etag AND todo = :todo"
        values = {":etag": {"S": etag}, ":todo": {"BOOL": True}}
        done = {":done": {"BOOL": False}}
        if etag:
            actions = [
                {
                    "Update": {
                        "TableName": self._table,
                        "Key": source_key,
                        "UpdateExpression": "SET todo = :done REMOVE stale",
                        "ConditionExpression": condition,
                        "ExpressionAttributeValues": {**values, **done},
                    }
                },
                {
                    "Update": {
                        "TableName": self._table,
                        "Key": _key(SOURCE_INDEX, key),
                        "UpdateExpression": "SET todo = :done",
                        "ExpressionAttributeValues": done,
                    }
                },
            ]
        else:
            delete = {"TableName": self._table, "Key": source_key}
            delete.update(ConditionExpression=condition, ExpressionAttributeValues=values)
            actions = [{"Delete": delete}, _delete(self._table, SOURCE_INDEX, key)]
        return self._cancellation(actions) is None

    def source_index(self) -> dict[str, IndexedSource]:
        """Return every source the table knows: key -> etag and pending follow-ups (Query)."""
        return {
            item["sk"]: IndexedSource(item["etag"], bool(item.get("todo")))
            for item in self._query_all(SOURCE_INDEX, consistent=True)
        }

    def scheduled_sources(self) -> list[str]:
        """Return the key of every source waiting for its publication time (Query)."""
        return [item["key"] for item in self._query_all(SCHEDULE, consistent=True)]

    def layout_is_stale(self) -> bool:
        """Tell whether a post or page changed after the stored layout was built."""
        item = self._get(LAYOUT, consistent=True)
        stored = int(item.get("gen", 0)) if item else -1
        return stored < self.generation()

    def generation(self) -> int:
        """Return how many post and page changes the table has committed (consistent)."""
        item = self._get(GENERATION, consistent=True)
        return int(item["gen"]) if item else 0

    def _relink(self, sort_keys: set[str]) -> None:
        """Re-point the posts around these listing positions at their current neighbours."""
        generation = self.generation()
        links: dict[str, tuple[PostSummary | None, PostSummary | None]] = {}
        for sort_key in sorted(sort_keys):
            links.update(self._links_around(sort_key))
        for post_id, (older, newer) in sorted(links.items()):
            self._set_links(post_id, older, newer, generation)

    def _links_around(
        self, sort_key: str
    ) -> dict[str, tuple[PostSummary | None, PostSummary | None]]:
        """Return the neighbour links of a position and of the posts on either side of it."""
        # Three each way covers the post, its neighbours and theirs: two Queries, any N.
        older = self._query_range(ALL_POSTS, "0", sort_key, True, limit=3, consistent=True)
        newer = self._query_range(ALL_POSTS, sort_key, _SORT_KEY_MAX, False, 3, consistent=True)
        itself = older[0] if older and older[0].sort_key == sort_key else None
        before = older[1:] if itself else older
        after = [p for p in newer if p.sort_key != sort_key]
        links: dict[str, tuple[PostSummary | None, PostSummary | None]] = {}
        first_after = after[0] if after else None
        last_before = before[0] if before else None
        if itself is not None:
            links[itself.post_id] = (last_before, first_after)
        if last_before is not None:
            links[last_before.post_id] = (_at(before, 1), itself or first_after)
        if first_after is not None:
            links[first_after.post_id] = (itself or last_before, _at(after, 1))
        return links

    def _set_links(
        self,
        post_id: str,
        older: PostSummary | None,
        newer: PostSummary | None,
        generation: int,
    ) -> None:
        # Skipped if deleted since, or already linked from a newer view of the listing.
        self._write_if(
            self._client.update_item,
            TableName=self._table,
            Key=_key(f"POST#{post_id}", _ITEM_SK),
            UpdateExpression="SET older = :older, newer = :newer, linkgen = :gen",
            ConditionExpression=(
                "attribute_exists(pk) AND (attribute_not_exists(linkgen) OR linkgen <= :gen)"
            ),
            ExpressionAttributeValues={
                ":older": _SERIALIZER.serialize(_link_attr(older)),
                ":newer": _SERIALIZER.serialize(_link_attr(newer)),
                ":gen": {"N": str(generation)},
            },
        )

    def set_related(self, post_id: str, related: tuple[Link, ...]) -> None:
        """Replace a published post's related posts; a post deleted meanwhile stays deleted."""
        # The reverse entries first: one left over is harmless, one missing is a stale link.
        if related:
            entries = [_linked_from(self._table, r.post_id, post_id)["Put"] for r in related]
            self._batch_write([{"PutRequest": {"Item": entry["Item"]}} for entry in entries])
        self._write_if(
            self._client.update_item,
            TableName=self._table,
            Key=_key(f"POST#{post_id}", _ITEM_SK),
            UpdateExpression="SET related = :related",
            ConditionExpression="attribute_exists(pk)",
            ExpressionAttributeValues={
                ":related": _SERIALIZER.serialize([_link_attr(r) for r in related])
            },
        )

    def linked_from(self, post_id: str) -> list[str]:
        """Return the ids of the posts whose related posts may name this one."""
        items = self._query_all(f"{LINKED_FROM}{post_id}", consistent=True)
        return [item["sk"] for item in items]

    def forget_links_to(self, post_id: str, linkers: Iterable[str]) -> None:
        """Drop a gone post's reverse entries of these linkers, once they are re-related."""
        keys = [_key(f"{LINKED_FROM}{post_id}", linker) for linker in linkers]
        for start in range(0, len(keys), 25):
            self._batch_write([{"DeleteRequest": {"Key": k}} for k in keys[start : start + 25]])

    def _write_if(self, write: Callable[..., Any], **params: Any) -> bool:
        """Make a conditional write; False when its condition did not hold."""
        try:
            write(**params)
            return True
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            return False

    def _write_postings(self, record: SourceRecord, terms: Mapping[str, int]) -> None:
        # Search postings sit outside the transaction (a post has up to 400 terms): the
        # source record names the stale ones until they are gone, so this is retryable.
        fresh = {(f"TERM#{t}", record.sort_key) for t in terms}
        stale = {(f"TERM#{t}", sk) for sk, ts in record.stale.items() for t in ts} - fresh
        length = sum(terms.values())
        requests: list[dict[str, Any]] = [
            {
                "PutRequest": {
                    "Item": _put("", f"TERM#{t}", record.sort_key, {"w": w, "len": length})["Put"][
                        "Item"
                    ]
                }
            }
            for t, w in terms.items()
        ]
        requests += [{"DeleteRequest": {"Key": _key(pk, sk)}} for pk, sk in sorted(stale)]
        batches = [requests[start : start + 25] for start in range(0, len(requests), 25)]
        # A post has up to 16 batches: sent side by side, they cost about one round trip.
        with ThreadPoolExecutor(max_workers=_WRITERS) as pool:
            list(pool.map(self._batch_write, batches))

    def _batch_write(self, requests: list[dict[str, Any]]) -> None:
        pending = {self._table: requests}
        for attempt in range(_MAX_ATTEMPTS):
            response = self._client.batch_write_item(RequestItems=pending)
            pending = response.get("UnprocessedItems") or {}
            if not pending:
                return
            time.sleep(random.uniform(0, 0.05 * 2**attempt))
        raise StorageConflictError("search index writes kept being throttled")

    def _transact(self, actions: list[dict[str, Any]], key: str, attempt: int) -> bool:
        cancelled = self._cancellation(actions)
        if cancelled is None:
            return True
        codes = [r.get("Code") for r in cancelled.response.get("CancellationReasons", [])]
        if len(codes) > 1 and codes[1] == "ConditionalCheckFailed" and "Put" in actions[1]:
            raise SlugTakenError(self._owner_message(actions[1], key)) from cancelled
        LOG.info("transaction for %s cancelled (%s); retrying", key, codes)
        time.sleep(random.uniform(0, 0.05 * 2**attempt))
        return False

    def _cancellation(self, actions: list[dict[str, Any]]) -> ClientError | None:
        """Run a transaction; return why it was cancelled, or None once it is committed."""
        try:
            self._client.transact_write_items(TransactItems=actions)
            return None
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "TransactionCanceledException":
                raise
            return exc

    def _owner_message(self, put_post: dict[str, Any], key: str) -> str:
        pk = put_post["Put"]["Item"]["pk"]["S"]
        owner = self._get(pk, consistent=True) or {}
        return f"{pk[5:]} is already published from {owner.get('source_key', 'another file')}"

    # Operator side (rebuilds only; Scan never serves a page) --------------------

    def source_keys(self) -> set[str]:
        """Return the key of every source with a published post."""
        items = self._scan(filter_prefix="SOURCE#")
        return {item["pk"]["S"].removeprefix("SOURCE#") for item in items}

    def wipe(self) -> int:
        """Delete every item in the table; return how many were deleted."""
        deleted = 0
        for item in self._scan():
            self._client.delete_item(
                TableName=self._table, Key=_key(item["pk"]["S"], item["sk"]["S"])
            )
            deleted += 1
        return deleted

    def _scan(self, filter_prefix: str = "") -> Iterator[dict[str, Any]]:
        params: dict[str, Any] = {"TableName": self._table, "ProjectionExpression": "pk, sk"}
        if filter_prefix:
            params["FilterExpression"] = "begins_with(pk, :prefix)"
            params["ExpressionAttributeValues"] = {":prefix": {"S": filter_prefix}}
        while True:
            response = self._client.scan(**params)
            yield from response["Items"]
            if "LastEvaluatedKey" not in response:
                return
            params["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    # Read side ----------------------------------------------------------------

    def get_post(self, post_id: str) -> StoredPost | None:
        """Return a post for its permalink page."""
        item = self._get(f"POST#{post_id}")
        return None if item is None else self._with_body(_stored_post(item))

    def post_summary(self, post_id: str) -> PostSummary | None:
        """Return a post's listing summary; a body stored in S3 is not read."""
        item = self._get(f"POST#{post_id}")
        return None if item is None else _summary_from_item(item)

    def body_key(self, post_id: str) -> str | None:
        """Return where the committed item of a post keeps its body, if outside (consistent)."""
        response = self._client.get_item(
            TableName=self._table,
            Key=_key(f"POST#{post_id}", _ITEM_SK),
            ConsistentRead=True,
            ProjectionExpression="body_key",
        )
        found = response.get("Item", {}).get("body_key")
        return None if found is None else str(found["S"])

    def _with_body(self, post: StoredPost) -> StoredPost:
        if post.body_key is None or self._load_body is None:
            return post
        return replace(post, html=self._load_body(post.body_key))

    def page_data(
        self, month: str | None = None, post_id: str | None = None, page_slug: str | None = None
    ) -> PageData:
        """Fetch the layout, a month's calendar days and a post or page in one BatchGetItem."""
        wanted = {"layout": (LAYOUT, _ITEM_SK)}
        if month:
            wanted["days"] = (days_item(month), _ITEM_SK)
        if post_id:
            wanted["post"] = (f"POST#{post_id}", _ITEM_SK)
        if page_slug:
            wanted["page"] = (f"PAGE#{page_slug}", _ITEM_SK)
        found = self._batch_get(wanted)
        layout = _layout_from_item(found["layout"]) if "layout" in found else Layout()
        post, page = found.get("post"), found.get("page")
        return PageData(
            layout=layout,
            days=_days_from_item(found["days"]) if "days" in found else frozenset(),
            post=self._with_body(_stored_post(post)) if post else None,
            page=_page_from_item(page) if page else None,
        )

    def get_layout(self) -> Layout:
        """Return the stored layout (one GetItem); empty before anything is published."""
        item = self._get(LAYOUT)
        return Layout() if item is None else _layout_from_item(item)

    def site_index(self) -> tuple[int, SiteIndex]:
        """Read what the layout is built from, after the generation it reflects (consistent)."""
        generation = self.generation()
        categories: list[TermCount] = []
        tags: list[TermCount] = []
        months: list[str] = []
        menu: list[MenuEntry] = []
        empty: list[str] = []
        total = 0
        for item in self._query_all(COUNTS, consistent=True):
            kind, _, key = item["sk"].partition("#")
            if item["n"] <= 0:
                empty.append(item["sk"])
                continue
            if kind == "menu":
                menu.append(MenuEntry(key.split("#", 1)[1], item["name"]))
            elif kind == "month":
                months.append(key)
                total += int(item["n"])
            else:
                target = tags if kind == "tag" else categories
                target.append(TermCount(Term(key, item["name"]), int(item["n"])))
        recent = self._query_range(
            ALL_POSTS, "0", _SORT_KEY_MAX, True, RECENT_POSTS, consistent=True
        )
        latest = self._get(days_item(months[-1]), consistent=True) if months else None
        index = SiteIndex(
            categories=tuple(categories),
            tags=tuple(tags),
            months=tuple(months),
            pages=tuple(menu),
            recent=tuple(recent),
            latest_days=_days_from_item(latest) if latest else frozenset(),
            total_posts=total,
            empty_counters=tuple(empty),
        )
        return generation, index

    def delete_empty_counters(self, sort_keys: Iterable[str]) -> None:
        """Delete counters of the COUNT partition that are still at zero.

        Conditional, so a post that took the tag again meanwhile keeps its count; an
        ADD after the delete recreates the item, with its name, from zero.
        """
        for sort_key in sort_keys:
            self._write_if(
                self._client.delete_item,
                TableName=self._table,
                Key=_key(COUNTS, sort_key),
                ConditionExpression="#n = :zero",
                ExpressionAttributeNames={"#n": "n"},
                ExpressionAttributeValues={":zero": {"N": "0"}},
            )

    def save_layout(self, layout: Layout, generation: int) -> bool:
        """Store a layout built at a generation; False if one from a later one is stored."""
        attributes = {
            "menu_html": layout.menu_html,
            "sidebar_html": layout.sidebar_html,
            "months": " ".join(layout.months),
            "latest_days": " ".join(map(str, sorted(layout.latest_days))),
            "total": layout.total_posts,
            "gen": generation,
        }
        return self._write_if(
            self._client.put_item,
            **_put(self._table, LAYOUT, _ITEM_SK, attributes)["Put"],
            ConditionExpression="attribute_not_exists(gen) OR gen <= :gen",
            ExpressionAttributeValues={":gen": {"N": str(generation)}},
        )

    def list_posts(
        self,
        partition: str,
        prefix: str = "",
        before: str | None = None,
        after: str | None = None,
        limit: int = 10,
    ) -> ListingPage:
        """Return one page of a listing, newest first, starting at a cursor."""
        if after is not None:
            page = self._list_newer(partition, prefix, after, limit)
            if page is not None:
                return page
            before = None
        low, high = prefix or "0", (before or prefix + _SORT_KEY_MAX)
        items = self._query_range(partition, low, high, newest_first=True, limit=limit + 2)
        items = [i for i in items if i.sort_key != before][: limit + 1]
        older = items[limit - 1].sort_key if len(items) > limit else None
        newer = items[0].sort_key if before is not None and items else None
        return ListingPage(tuple(items[:limit]), older=older, newer=newer)

    def _list_newer(
        self, partition: str, prefix: str, after: str, limit: int
    ) -> ListingPage | None:
        high = prefix + _SORT_KEY_MAX
        items = self._query_range(partition, after, high, newest_first=False, limit=limit + 2)
        items = [i for i in items if i.sort_key != after][: limit + 1]
        if len(items) <= limit:
            return None  # the newest posts: show the canonical first page instead
        shown = items[:limit]
        return ListingPage(
            tuple(reversed(shown)), older=shown[0].sort_key, newer=shown[-1].sort_key
        )

    def all_posts(self, partition: str) -> Iterator[PostSummary]:
        """Yield every post of a listing, newest first (a few pages of Query per 10,000)."""
        for item in self._query_all(partition, newest_first=True):
            yield _summary_from_item(item)

    def post_dates(self, prefix: str) -> Iterator[tuple[str, datetime]]:
        """Yield the id and date of every post whose sort key starts with a date prefix."""
        items = self._query_all(
            ALL_POSTS, newest_first=True, prefix=prefix, projection="post_id, published"
        )
        for item in items:
            yield item["post_id"], datetime.fromisoformat(item["published"])

    def postings(self, terms: Iterable[str]) -> dict[str, list[Posting]]:
        """Return each term's postings: one Query a term, its newest 1,000 posts.

        A term in more posts than that is common enough that its BM25 weight is near
        zero; reading newest first keeps recent posts findable by it, and older ones
        are found by the query's rarer words (see docs/data-model.md).
        """
        found: dict[str, list[Posting]] = {}
        for term in terms:
            response = self._client.query(
                TableName=self._table,
                KeyConditionExpression="pk = :pk",
                ExpressionAttributeValues={":pk": {"S": f"TERM#{term}"}},
                ProjectionExpression="sk, w, #len",
                ExpressionAttributeNames={"#len": "len"},
                ScanIndexForward=False,
                Limit=POSTINGS_PER_TERM,
            )
            found[term] = [
                Posting(item["sk"]["S"], int(item["w"]["N"]), int(item["len"]["N"]))
                for item in response["Items"]
            ]
        return found

    def summaries(self, sort_keys: list[str]) -> list[PostSummary]:
        """Return the listing summaries of up to 100 posts in one BatchGetItem, in order."""
        if not sort_keys:
            return []
        keys = [_key(ALL_POSTS, sk) for sk in sort_keys[:100]]
        response = self._client.batch_get_item(RequestItems={self._table: {"Keys": keys}})
        found = {
            s.sort_key: s
            for s in map(_summary_from_item, map(_plain, response["Responses"][self._table]))
        }
        return [found[sk] for sk in sort_keys if sk in found]

    def schedule(self, key: str, due: datetime) -> None:
        """Remember to publish a source when it is due (its date is in the future)."""
        entry = f"{due.astimezone(UTC):%Y-%m-%dT%H:%M:%S}#{key}"
        pointer = self._get(f"SCHEDULED#{key}", consistent=True)
        actions = [
            _put(self._table, SCHEDULE, entry, {"key": key}),
            _put(self._table, f"SCHEDULED#{key}", _ITEM_SK, {"entry": entry}),
        ]
        if pointer is not None and pointer["entry"] != entry:
            actions.append(_delete(self._table, SCHEDULE, pointer["entry"]))
        self._client.transact_write_items(TransactItems=actions)

    def unschedule(self, key: str) -> None:
        """Forget a source's scheduled publication, if it had one."""
        pointer = self._get(f"SCHEDULED#{key}", consistent=True)
        if pointer is not None:
            self._client.transact_write_items(
                TransactItems=[
                    _delete(self._table, SCHEDULE, pointer["entry"]),
                    _delete(self._table, f"SCHEDULED#{key}", _ITEM_SK),
                ]
            )

    def due(self, now: datetime) -> list[str]:
        """Return the source keys whose scheduled time has come (one Query)."""
        response = self._client.query(
            TableName=self._table,
            KeyConditionExpression="pk = :pk AND sk <= :now",
            ExpressionAttributeValues={
                ":pk": {"S": SCHEDULE},
                ":now": {"S": f"{now.astimezone(UTC):%Y-%m-%dT%H:%M:%S}#~"},
            },
        )
        return [item["key"]["S"] for item in response["Items"]]

    def save_page(self, page: Page, version: SourceVersion, force: bool = False) -> bool:
        """Publish or update a static page and its menu entry; False if already stored or older."""
        menu_sk = f"menu#{page.menu_order:06d}#{page.slug}"
        for attempt in range(_MAX_ATTEMPTS):
            old = self._get(f"SOURCE#{page.source_key}", consistent=True)
            if old is not None and not (force or _is_newer(version, _page_version(old))):
                return False
            source = {"page": page.slug, "menu_sk": menu_sk, "etag": version.etag, "todo": True}
            source.update(modified=version.modified.isoformat())
            actions = [
                _revised(_put(self._table, f"SOURCE#{page.source_key}", _ITEM_SK, source), old),
                _owned(
                    _put(self._table, f"PAGE#{page.slug}", _ITEM_SK, _page_attributes(page)),
                    page.source_key,
                ),
                _put(self._table, COUNTS, menu_sk, {"name": page.title, "n": 1}),
                _bump_generation(self._table),
                _put_index_entry(self._table, page.source_key, version.etag),
            ]
            if old is not None and old["page"] != page.slug:
                actions.append(_delete(self._table, f"PAGE#{old['page']}", _ITEM_SK))
            if old is not None and old["menu_sk"] != menu_sk:
                actions.append(_delete(self._table, COUNTS, old["menu_sk"]))
            if self._transact(actions, page.source_key, attempt):
                return True
        raise StorageConflictError(f"gave up saving {page.source_key} after repeated conflicts")

    def remove_page(self, key: str) -> bool:
        """Unpublish the static page a source file published; False if there was none."""
        for attempt in range(_MAX_ATTEMPTS):
            old = self._get(f"SOURCE#{key}", consistent=True)
            if old is None:
                return False
            actions = [
                _revised(
                    {"Delete": {"TableName": self._table, "Key": _key(f"SOURCE#{key}", _ITEM_SK)}},
                    old,
                ),
                _delete(self._table, f"PAGE#{old['page']}", _ITEM_SK),
                _delete(self._table, COUNTS, old["menu_sk"]),
                _bump_generation(self._table),
                _delete(self._table, SOURCE_INDEX, key),
            ]
            if self._transact(actions, key, attempt):
                return True
        raise StorageConflictError(f"gave up removing {key} after repeated conflicts")

    def _get(self, pk: str, consistent: bool = False) -> dict[str, Any] | None:
        response = self._client.get_item(
            TableName=self._table, Key=_key(pk, _ITEM_SK), ConsistentRead=consistent
        )
        return _plain(response["Item"]) if "Item" in response else None

    def _batch_get(self, wanted: dict[str, tuple[str, str]]) -> dict[str, dict[str, Any]]:
        names = {key: name for name, key in wanted.items()}
        keys = [_key(pk, sk) for pk, sk in wanted.values()]
        found: dict[str, dict[str, Any]] = {}
        request: dict[str, Any] = {self._table: {"Keys": keys}}
        for attempt in range(_MAX_ATTEMPTS):
            response = self._client.batch_get_item(RequestItems=request)
            for item in response["Responses"].get(self._table, []):
                plain = _plain(item)
                found[names[(plain["pk"], plain["sk"])]] = plain
            request = response.get("UnprocessedKeys") or {}
            if not request:
                return found
            time.sleep(random.uniform(0, 0.05 * 2**attempt))
        raise StorageConflictError("reads kept being throttled")

    def _query_range(
        self,
        partition: str,
        low: str,
        high: str,
        newest_first: bool,
        limit: int,
        consistent: bool = False,
    ) -> list[PostSummary]:
        response = self._client.query(
            TableName=self._table,
            ConsistentRead=consistent,
            KeyConditionExpression="pk = :pk AND sk BETWEEN :low AND :high",
            ExpressionAttributeValues={
                ":pk": {"S": partition},
                ":low": {"S": low},
                ":high": {"S": high},
            },
            ScanIndexForward=not newest_first,
            Limit=limit,
        )
        return [_summary_from_item(_plain(item)) for item in response["Items"]]

    def _query_all(
        self,
        partition: str,
        newest_first: bool = False,
        consistent: bool = False,
        prefix: str = "",
        projection: str = "",
    ) -> Iterator[dict[str, Any]]:
        params: dict[str, Any] = {
            "TableName": self._table,
            "ConsistentRead": consistent,
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": {":pk": {"S": partition}},
            "ScanIndexForward": not newest_first,
        }
        if prefix:
            params["KeyConditionExpression"] += " AND begins_with(sk, :prefix)"
            params["ExpressionAttributeValues"][":prefix"] = {"S": prefix}
        if projection:
            params["ProjectionExpression"] = projection
        while True:
            response = self._client.query(**params)
            yield from (_plain(item) for item in response["Items"])
            if "LastEvaluatedKey" not in response:
                return
            params["ExclusiveStartKey"] = response["LastEvaluatedKey"]


def _is_newer(candidate: SourceVersion, stored: SourceVersion) -> bool:
    if candidate.etag == stored.etag:
        return False
    # Same-second uploads tie on LastModified; ingest re-checks the object after
    # writing (see ingest.py), so letting a tie through still converges.
    return candidate.modified >= stored.modified


def _index_actions(
    table: str, old: SourceRecord | None, new: SourceRecord | None, summary: dict[str, Any]
) -> list[dict[str, Any]]:
    """Listing entries and counter updates that move the index from old to new."""
    actions: list[dict[str, Any]] = []
    old_entries = {(p, old.sort_key) for p in old.listing_partitions()} if old else set()
    new_entries = {(p, new.sort_key) for p in new.listing_partitions()} if new else set()
    actions += [_delete(table, pk, sk) for pk, sk in sorted(old_entries - new_entries)]
    actions += [_put(table, pk, sk, summary) for pk, sk in sorted(new_entries)]
    old_counters = old.counters() if old else {}
    new_counters = new.counters() if new else {}
    deltas = {c: (name, +1) for c, name in new_counters.items() if c not in old_counters}
    deltas.update({c: (name, -1) for c, name in old_counters.items() if c not in new_counters})
    return actions + _count_actions(table, deltas)


def _put_source(table: str, record: SourceRecord, old: SourceRecord | None) -> dict[str, Any]:
    attributes = {
        "post_id": record.post_id,
        "sort_key": record.sort_key,
        "tags": _terms_to_attr(record.tags),
        "categories": _terms_to_attr(record.categories),
        "etag": record.version.etag,
        "modified": record.version.modified.isoformat(),
        "rev": record.rev,
        "terms": list(record.terms),
        "stale": {sk: list(terms) for sk, terms in record.stale.items()},
        "todo": record.todo,
        "removed": record.removed,
    }
    action = _put(table, f"SOURCE#{record.key}", _ITEM_SK, attributes)
    if old is None:
        action["Put"]["ConditionExpression"] = "attribute_not_exists(pk)"
    else:
        action["Put"]["ConditionExpression"] = "rev = :rev"
        action["Put"]["ExpressionAttributeValues"] = {":rev": {"N": str(old.rev)}}
    return action


def _stale_after(old: SourceRecord | None) -> dict[str, tuple[str, ...]]:
    """What a new version must clear: the old one's postings, and any not cleared yet."""
    if old is None:
        return {}
    stale = dict(old.stale) if old.todo else {}
    if not old.removed:
        stale[old.sort_key] = tuple(sorted({*stale.get(old.sort_key, ()), *old.terms}))
    return stale


def _linked_from(table: str, target: str, source: str) -> dict[str, Any]:
    return _put(table, f"{LINKED_FROM}{target}", source, {})


def _put_index_entry(table: str, key: str, etag: str) -> dict[str, Any]:
    return _put(table, SOURCE_INDEX, key, {"etag": etag, "todo": True})


def _page_version(item: dict[str, Any]) -> SourceVersion:
    return SourceVersion(item["etag"], datetime.fromisoformat(item["modified"]))


def _page_attributes(page: Page) -> dict[str, Any]:
    return {
        "title": page.title,
        "html": page.html,
        "summary": page.summary,
        "menu_order": page.menu_order,
        "source_key": page.source_key,
    }


def _revised(action: dict[str, Any], old: dict[str, Any] | None) -> dict[str, Any]:
    """Condition a write on the source item being as it was read: absent or same revision."""
    body = next(iter(action.values()))
    if old is None:
        body["ConditionExpression"] = "attribute_not_exists(pk)"
        if "Put" in action:
            body["Item"]["rev"] = {"N": "1"}
        return action
    body["ConditionExpression"] = "rev = :rev"
    body["ExpressionAttributeValues"] = {":rev": {"N": str(old["rev"])}}
    if "Put" in action:
        body["Item"]["rev"] = {"N": str(int(old["rev"]) + 1)}
    return action


def _owned(action: dict[str, Any], source_key: str) -> dict[str, Any]:
    """Condition a put on the item being new or already published from the same file."""
    action["Put"]["ConditionExpression"] = "attribute_not_exists(pk) OR source_key = :key"
    action["Put"]["ExpressionAttributeValues"] = {":key": {"S": source_key}}
    return action


def _put_post(
    table: str, post: Post, updated: datetime, related: tuple[Link, ...]
) -> dict[str, Any]:
    attributes = {
        **_summary_attributes(post),
        "html": post.html,
        "source_key": post.source_key,
        "updated": updated.isoformat(),
        "related": [_link_attr(link) for link in related],
    }
    if post.via:
        attributes["via"] = post.via
    if post.body_key:
        attributes["body_key"] = post.body_key
    action = _put(table, f"POST#{post.post_id}", _ITEM_SK, attributes)
    action["Put"]["ConditionExpression"] = "attribute_not_exists(pk) OR source_key = :key"
    action["Put"]["ExpressionAttributeValues"] = {":key": {"S": post.source_key}}
    return action


def _summary_attributes(post: Post) -> dict[str, Any]:
    return {
        "post_id": post.post_id,
        "title": post.title,
        "published": post.published.isoformat(),
        "summary": post.summary,
        "tags": _terms_to_attr(post.tags),
        "categories": _terms_to_attr(post.categories),
        "sort_key": post.sort_key,
    }


def _put(table: str, pk: str, sk: str, attributes: dict[str, Any]) -> dict[str, Any]:
    item = {name: _SERIALIZER.serialize(value) for name, value in attributes.items()}
    return {"Put": {"TableName": table, "Item": {**item, **_key(pk, sk)}}}


def _delete(table: str, pk: str, sk: str) -> dict[str, Any]:
    return {"Delete": {"TableName": table, "Key": _key(pk, sk)}}


def _count_actions(table: str, deltas: dict[Counter, tuple[str, int]]) -> list[dict[str, Any]]:
    """One Update per item (a transaction may touch an item once), adding to its counters."""
    by_item: dict[tuple[str, str], list[tuple[str, str, int]]] = {}
    for counter, (name, delta) in sorted(deltas.items()):
        by_item.setdefault((counter.pk, counter.sk), []).append((counter.attribute, name, delta))
    actions = []
    for (pk, sk), changes in by_item.items():
        names = {f"#c{i}": attribute for i, (attribute, _, _) in enumerate(changes)}
        values = {f":d{i}": {"N": str(delta)} for i, (_, _, delta) in enumerate(changes)}
        expression = "ADD " + ", ".join(f"#c{i} :d{i}" for i in range(len(changes)))
        name = next((n for _, n, _ in changes if n), "")
        if name:
            names["#name"], values[":name"] = "name", {"S": name}
            expression = f"SET #name = :name {expression}"
        update = {"TableName": table, "Key": _key(pk, sk), "UpdateExpression": expression}
        update.update(ExpressionAttributeNames=names, ExpressionAttributeValues=values)
        actions.append({"Update": update})
    return actions


def _bump_generation(table: str) -> dict[str, Any]:
    return {
        "Update": {
            "TableName": table,
            "Key": _key(GENERATION, _ITEM_SK),
            "UpdateExpression": "ADD gen :one",
            "ExpressionAttributeValues": {":one": {"N": "1"}},
        }
    }


def _key(pk: str, sk: str) -> dict[str, Any]:
    return {"pk": {"S": pk}, "sk": {"S": sk}}


def _plain(item: dict[str, Any]) -> dict[str, Any]:
    return {name: _DESERIALIZER.deserialize(value) for name, value in item.items()}


def _terms_to_attr(terms: Iterable[Term]) -> list[dict[str, str]]:
    return [{"k": t.key, "n": t.name} for t in terms]


def _terms_from_attr(value: list[dict[str, str]]) -> tuple[Term, ...]:
    return tuple(Term(t["k"], t["n"]) for t in value)


def _summary_from_item(item: dict[str, Any]) -> PostSummary:
    return PostSummary(
        post_id=item["post_id"],
        title=item["title"],
        published=datetime.fromisoformat(item["published"]),
        summary=item["summary"],
        tags=_terms_from_attr(item["tags"]),
        categories=_terms_from_attr(item["categories"]),
        sort_key=item["sort_key"],
    )


def _at(posts: list[PostSummary], index: int) -> PostSummary | None:
    return posts[index] if len(posts) > index else None


def _link_attr(link: Link | PostSummary | None) -> dict[str, str] | None:
    return None if link is None else {"id": link.post_id, "title": link.title}


def _link_from_attr(value: dict[str, str] | None) -> Link | None:
    return None if value is None else Link(value["id"], value["title"])


def _stored_post(item: dict[str, Any]) -> StoredPost:
    return StoredPost(
        summary=_summary_from_item(item),
        html=item["html"],
        source_key=item["source_key"],
        via=item.get("via"),
        updated=datetime.fromisoformat(item["updated"]) if "updated" in item else None,
        older=_link_from_attr(item.get("older")),
        newer=_link_from_attr(item.get("newer")),
        related=tuple(Link(r["id"], r["title"]) for r in item.get("related", ())),
        body_key=item.get("body_key"),
    )


def _page_from_item(item: dict[str, Any]) -> Page:
    return Page(
        item["pk"].removeprefix("PAGE#"),
        item["title"],
        item["html"],
        item["summary"],
        int(item["menu_order"]),
        item["source_key"],
    )


def _days_from_item(item: dict[str, Any]) -> frozenset[int]:
    return frozenset(int(name[1:]) for name, n in item.items() if name[:1] == "d" and n > 0)


def _layout_from_item(item: dict[str, Any]) -> Layout:
    return Layout(
        menu_html=item["menu_html"],
        sidebar_html=item["sidebar_html"],
        months=tuple(item["months"].split()),
        latest_days=frozenset(int(d) for d in item["latest_days"].split()),
        total_posts=int(item["total"]),
    )


def _source_from_item(key: str, item: dict[str, Any]) -> SourceRecord:
    return SourceRecord(
        key=key,
        post_id=item["post_id"],
        sort_key=item["sort_key"],
        tags=_terms_from_attr(item["tags"]),
        categories=_terms_from_attr(item["categories"]),
        version=SourceVersion(item["etag"], datetime.fromisoformat(item["modified"])),
        rev=int(item["rev"]),
        terms=tuple(item.get("terms", ())),
        stale={sk: tuple(terms) for sk, terms in item.get("stale", {}).items()},
        todo=bool(item.get("todo", False)),
        removed=bool(item.get("removed", False)),
    )


def table_definition(table_name: str) -> dict[str, Any]:
    """Return the CreateTable parameters of the blog table (used by operator tooling)."""
    return {
        "TableName": table_name,
        "KeySchema": [
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        "AttributeDefinitions": [
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        "BillingMode": "PAY_PER_REQUEST",
    }
