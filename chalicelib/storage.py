"""All DynamoDB access. The key schema is documented in docs/data-model.md."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from chalicelib.models import (
    ListingPage,
    MenuEntry,
    Page,
    Post,
    PostSummary,
    StoredPost,
    Term,
    TermCount,
)
from chalicelib.search import Posting

LOG = logging.getLogger(__name__)
ALL_POSTS = "LIST#all"
COUNTS = "COUNT"
SCHEDULE = "SCHEDULE"
_ITEM_SK = "#"
_SORT_KEY_MAX = "~"  # sorts after every character a sort key can hold after its date
_MAX_ATTEMPTS = 8
POSTINGS_PER_TERM = 1000
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

    def listing_partitions(self) -> set[str]:
        """Return every listing partition this post appears in."""
        return (
            {ALL_POSTS}
            | {tag_listing(t.key) for t in self.tags}
            | {category_listing(c.key) for c in self.categories}
        )

    def counters(self) -> dict[tuple[str, str], str]:
        """Return the counter items this post adds one to, with their display names."""
        day = self.sort_key[:10]
        counters = {(COUNTS, f"month#{day[:7]}"): day[:7], (f"DAYS#{day[:7]}", day[8:]): day}
        counters.update({(COUNTS, f"tag#{t.key}"): t.name for t in self.tags})
        counters.update({(COUNTS, f"category#{c.key}"): c.name for c in self.categories})
        return counters


def tag_listing(key: str) -> str:
    """Return the listing partition of a tag."""
    return f"LIST#tag#{key}"


def category_listing(key: str) -> str:
    """Return the listing partition of a category."""
    return f"LIST#category#{key}"


class BlogStore:
    """Posts, listings and counts in one DynamoDB table."""

    def __init__(self, client: Any, table_name: str) -> None:
        self._client = client
        self._table = table_name

    # Write side ---------------------------------------------------------------

    def get_source(self, key: str) -> SourceRecord | None:
        """Return what is published from an S3 key, if anything."""
        item = self._get(f"SOURCE#{key}", consistent=True)
        return None if item is None else _source_from_item(key, item)

    def save_post(
        self,
        post: Post,
        version: SourceVersion,
        force: bool = False,
        terms: Mapping[str, int] | None = None,
    ) -> bool:
        """Publish or update a post; return False when this version is already stored or older.

        ``force`` rewrites an already stored version (a rebuild after a code change);
        ``terms`` are the post's weighted search terms.
        """
        terms = terms or {}
        for attempt in range(_MAX_ATTEMPTS):
            old = self.get_source(post.source_key)
            if old is not None and not (force or _is_newer(version, old.version)):
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
            )
            actions = [
                _put_source(self._table, record, old),
                _put_post(self._table, post, version.modified),
            ]
            if old is not None and old.post_id != post.post_id:
                actions.append(_delete(self._table, f"POST#{old.post_id}", _ITEM_SK))
            actions += _index_actions(self._table, old, record, _summary_attributes(post))
            if self._transact(actions, post.source_key, attempt):
                self._write_postings(old, record, terms)
                return True
        raise StorageConflictError(f"gave up saving {post.source_key} after repeated conflicts")

    def remove_source(self, key: str) -> bool:
        """Unpublish whatever an S3 key published; return False if there was nothing."""
        for attempt in range(_MAX_ATTEMPTS):
            old = self.get_source(key)
            if old is None:
                return False
            actions = [
                {
                    "Delete": {
                        "TableName": self._table,
                        "Key": _key(f"SOURCE#{key}", _ITEM_SK),
                        "ConditionExpression": "rev = :rev",
                        "ExpressionAttributeValues": {":rev": {"N": str(old.rev)}},
                    }
                },
                _delete(self._table, f"POST#{old.post_id}", _ITEM_SK),
                *_index_actions(self._table, old, None, {}),
            ]
            if self._transact(actions, key, attempt):
                self._write_postings(old, None, {})
                return True
        raise StorageConflictError(f"gave up removing {key} after repeated conflicts")

    def _write_postings(
        self, old: SourceRecord | None, new: SourceRecord | None, terms: Mapping[str, int]
    ) -> None:
        # Search postings sit outside the transaction (a post has up to 400 terms); they
        # follow the committed source record, and `blogctl reindex` repairs any drift.
        stale = {(f"TERM#{t}", old.sort_key) for t in old.terms} if old else set()
        length = sum(terms.values())
        requests: list[dict[str, Any]] = []
        if new is not None:
            fresh = {(f"TERM#{t}", new.sort_key) for t in terms}
            stale -= fresh
            requests += [
                {
                    "PutRequest": {
                        "Item": _put("", f"TERM#{t}", new.sort_key, {"w": w, "len": length})["Put"][
                            "Item"
                        ]
                    }
                }
                for t, w in terms.items()
            ]
        requests += [{"DeleteRequest": {"Key": _key(pk, sk)}} for pk, sk in sorted(stale)]
        for start in range(0, len(requests), 25):
            self._batch_write(requests[start : start + 25])

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
        try:
            self._client.transact_write_items(TransactItems=actions)
            return True
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "TransactionCanceledException":
                raise
            codes = [r.get("Code") for r in exc.response.get("CancellationReasons", [])]
            if len(codes) > 1 and codes[1] == "ConditionalCheckFailed" and "Put" in actions[1]:
                raise SlugTakenError(self._owner_message(actions[1], key)) from exc
            LOG.info("transaction for %s cancelled (%s); retrying", key, codes)
            time.sleep(random.uniform(0, 0.05 * 2**attempt))
            return False

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
        if item is None:
            return None
        return StoredPost(
            summary=_summary_from_item(item),
            html=item["html"],
            source_key=item["source_key"],
            via=item.get("via"),
            updated=datetime.fromisoformat(item["updated"]) if "updated" in item else None,
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

    def postings(self, terms: Iterable[str]) -> dict[str, list[Posting]]:
        """Return each term's postings: one Query a term (one page of up to 1,000)."""
        found: dict[str, list[Posting]] = {}
        for term in terms:
            response = self._client.query(
                TableName=self._table,
                KeyConditionExpression="pk = :pk",
                ExpressionAttributeValues={":pk": {"S": f"TERM#{term}"}},
                ProjectionExpression="sk, w, #len",
                ExpressionAttributeNames={"#len": "len"},
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

    def total_posts(self) -> int:
        """Return how many posts are published, from the month counters (one Query)."""
        response = self._client.query(
            TableName=self._table,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :month)",
            ExpressionAttributeValues={":pk": {"S": COUNTS}, ":month": {"S": "month#"}},
        )
        return sum(int(item["n"]["N"]) for item in response["Items"])

    def neighbours(self, sort_key: str) -> tuple[PostSummary | None, PostSummary | None]:
        """Return the posts just older and just newer than the given one."""
        older = self._query_range(ALL_POSTS, "0", sort_key, newest_first=True, limit=2)
        newer = self._query_range(ALL_POSTS, sort_key, _SORT_KEY_MAX, newest_first=False, limit=2)
        return (
            next((p for p in older if p.sort_key != sort_key), None),
            next((p for p in newer if p.sort_key != sort_key), None),
        )

    def term_counts(self) -> tuple[list[TermCount], list[TermCount], list[str]]:
        """Return categories and tags with post counts, and the months that have posts."""
        categories, tags, months, _ = self.site_index()
        return categories, tags, months

    def site_index(self) -> tuple[list[TermCount], list[TermCount], list[str], list[MenuEntry]]:
        """Read the sidebar's counts and the main menu in one Query."""
        categories: list[TermCount] = []
        tags: list[TermCount] = []
        months: list[str] = []
        menu: list[MenuEntry] = []
        for item in self._query_all(COUNTS):
            kind, _, key = item["sk"].partition("#")
            if item["n"] <= 0:
                continue
            if kind == "menu":
                menu.append(MenuEntry(key.split("#", 1)[1], item["name"]))
            elif kind == "month":
                months.append(key)
            else:
                target = tags if kind == "tag" else categories
                target.append(TermCount(Term(key, item["name"]), int(item["n"])))
        return categories, tags, months, menu

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

    def get_page(self, slug: str) -> Page | None:
        """Return a static page."""
        item = self._get(f"PAGE#{slug}")
        if item is None:
            return None
        return Page(
            slug,
            item["title"],
            item["html"],
            item["summary"],
            int(item["menu_order"]),
            item["source_key"],
        )

    def save_page(self, page: Page, version: SourceVersion, force: bool = False) -> bool:
        """Publish or update a static page and its menu entry; False if already stored or older."""
        menu_sk = f"menu#{page.menu_order:06d}#{page.slug}"
        for attempt in range(_MAX_ATTEMPTS):
            old = self._get(f"SOURCE#{page.source_key}", consistent=True)
            if old is not None and not (force or _is_newer(version, _page_version(old))):
                return False
            source = {"page": page.slug, "menu_sk": menu_sk, "etag": version.etag}
            source.update(modified=version.modified.isoformat())
            actions = [
                _revised(_put(self._table, f"SOURCE#{page.source_key}", _ITEM_SK, source), old),
                _owned(
                    _put(self._table, f"PAGE#{page.slug}", _ITEM_SK, _page_attributes(page)),
                    page.source_key,
                ),
                _put(self._table, COUNTS, menu_sk, {"name": page.title, "n": 1}),
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
            ]
            if self._transact(actions, key, attempt):
                return True
        raise StorageConflictError(f"gave up removing {key} after repeated conflicts")

    def days_with_posts(self, year: int, month: int) -> set[int]:
        """Return the days of a month on which posts were published."""
        items = self._query_all(f"DAYS#{year:04d}-{month:02d}")
        return {int(item["sk"]) for item in items if item["n"] > 0}

    # Helpers --------------------------------------------------------------------

    def _get(self, pk: str, consistent: bool = False) -> dict[str, Any] | None:
        response = self._client.get_item(
            TableName=self._table, Key=_key(pk, _ITEM_SK), ConsistentRead=consistent
        )
        return _plain(response["Item"]) if "Item" in response else None

    def _query_range(
        self, partition: str, low: str, high: str, newest_first: bool, limit: int
    ) -> list[PostSummary]:
        response = self._client.query(
            TableName=self._table,
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

    def _query_all(self, partition: str, newest_first: bool = False) -> Iterator[dict[str, Any]]:
        params: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": {":pk": {"S": partition}},
            "ScanIndexForward": not newest_first,
        }
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
    actions += [
        _count(table, k, name, +1) for k, name in new_counters.items() if k not in old_counters
    ]
    actions += [
        _count(table, k, name, -1) for k, name in old_counters.items() if k not in new_counters
    ]
    return actions


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
    }
    action = _put(table, f"SOURCE#{record.key}", _ITEM_SK, attributes)
    if old is None:
        action["Put"]["ConditionExpression"] = "attribute_not_exists(pk)"
    else:
        action["Put"]["ConditionExpression"] = "rev = :rev"
        action["Put"]["ExpressionAttributeValues"] = {":rev": {"N": str(old.rev)}}
    return action


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


def _put_post(table: str, post: Post, updated: datetime) -> dict[str, Any]:
    attributes = {
        **_summary_attributes(post),
        "html": post.html,
        "source_key": post.source_key,
        "updated": updated.isoformat(),
    }
    if post.via:
        attributes["via"] = post.via
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


def _count(table: str, key: tuple[str, str], name: str, delta: int) -> dict[str, Any]:
    return {
        "Update": {
            "TableName": table,
            "Key": _key(*key),
            "UpdateExpression": "SET #name = :name ADD n :delta",
            "ExpressionAttributeNames": {"#name": "name"},
            "ExpressionAttributeValues": {":name": {"S": name}, ":delta": {"N": str(delta)}},
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
