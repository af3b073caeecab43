"""What operators and reconciliation need: the table's definition, its source index, a wipe."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from chalicelib.storage.keys import ITEM, PREVIEW_LINKS, SOURCE_INDEX, source_item
from chalicelib.storage.mailings import is_mailing_partition
from chalicelib.storage.records import IndexedSource, PublishedAt
from chalicelib.storage.subscriber_keys import is_subscriber_partition
from chalicelib.storage.transactions import BATCH_WRITE_ITEMS, WritableTable

# BatchGetItem takes at most 100 keys a request.
_GETS_AT_ONCE = 100
# BatchWriteItem requests in flight while wiping, and keys deleted between Scan pages.
_DELETERS = 4
_DELETES_AT_ONCE = 1000


class Maintenance:
    """Whole-table reads and writes for rebuilds and repairs; no page ever calls them."""

    def __init__(self, table: WritableTable) -> None:
        self._table = table

    def source_index(self) -> dict[str, IndexedSource]:
        """Return every source the table knows: key -> etag and pending follow-ups (Query)."""
        return {
            item["sk"]: IndexedSource(item["etag"], bool(item.get("todo")))
            for item in self._table.query(SOURCE_INDEX, consistent=True)
        }

    def published_at(self, keys: list[str]) -> dict[str, PublishedAt]:
        """Return where each published source is (BatchGetItem, 100 keys a request)."""
        found: dict[str, PublishedAt] = {}
        for start in range(0, len(keys), _GETS_AT_ONCE):
            chunk = [(source_item(key), ITEM) for key in keys[start : start + _GETS_AT_ONCE]]
            for (pk, _), item in self._table.batch_get(chunk).items():
                if item.get("removed"):
                    continue  # a tombstone: unpublished, its follow-ups still pending
                found[pk.removeprefix(source_item(""))] = PublishedAt(
                    str(item.get("post_id", "")),
                    str(item.get("sort_key", "")),
                    str(item.get("page", "")),
                )
        return found

    def source_keys(self) -> set[str]:
        """Return the key of every source with a published post (a Scan: rebuilds only)."""
        prefix = source_item("")
        return {pk.removeprefix(prefix) for pk, _ in self._table.scan_keys(prefix)}

    def wipe(self) -> int:
        """Delete every item but preview links and subscribers, 25 a request; return how many.

        Preview tokens, readers' subscriptions and the record of mail sent (a rebuilt
        post must not be mailed again) are what the bucket cannot give back:
        authors' links keep working through a rebuild (each preview is rendered again
        from its source).

        Items a page of the Scan returned may go before the next page is read: the
        Scan resumes after its last key, which stays valid once deleted.
        """
        deleted = 0
        keys: list[tuple[str, str]] = []
        with ThreadPoolExecutor(max_workers=_DELETERS) as pool:
            for key in self._table.scan_keys():
                if (
                    key[0] == PREVIEW_LINKS
                    or is_subscriber_partition(key[0])
                    or is_mailing_partition(key[0])
                ):
                    continue
                keys.append(key)
                if len(keys) == _DELETES_AT_ONCE:
                    deleted += self._delete(pool, keys)
                    keys = []
            deleted += self._delete(pool, keys)
        return deleted

    def _delete(self, pool: ThreadPoolExecutor, keys: list[tuple[str, str]]) -> int:
        requests = [
            {"DeleteRequest": {"Key": self._table.delete(pk, sk)["Delete"]["Key"]}}
            for pk, sk in keys
        ]
        batches = [
            requests[start : start + BATCH_WRITE_ITEMS]
            for start in range(0, len(requests), BATCH_WRITE_ITEMS)
        ]
        list(pool.map(self._table.batch_write, batches))
        return len(keys)


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
