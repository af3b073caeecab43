"""What operators and reconciliation need: the table's definition, its source index, a wipe."""

from __future__ import annotations

from typing import Any

from chalicelib.storage.keys import SOURCE_INDEX, source_item
from chalicelib.storage.records import IndexedSource
from chalicelib.storage.transactions import WritableTable


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

    def source_keys(self) -> set[str]:
        """Return the key of every source with a published post (a Scan: rebuilds only)."""
        prefix = source_item("")
        return {pk.removeprefix(prefix) for pk, _ in self._table.scan_keys(prefix)}

    def wipe(self) -> int:
        """Delete every item in the table; return how many were deleted."""
        deleted = 0
        for pk, sk in self._table.scan_keys():
            self._table.write_if(self._table.delete(pk, sk))
            deleted += 1
        return deleted


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
