"""The table-access layer, read side: every read request, and the one retry loop.

Other storage modules ask for items here (and write through ``transactions.py``, which
extends this class), so the retry of unprocessed items and its backoff are written once.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from typing import Any

from chalicelib.storage.items import plain
from chalicelib.storage.keys import ITEM, typed_key
from chalicelib.storage.records import StorageConflictError

MAX_ATTEMPTS = 8


class Table:
    """One DynamoDB table, read through the low-level client (injectable for tests)."""

    def __init__(self, client: Any, name: str) -> None:
        self.client = client
        self.name = name

    def get(
        self, pk: str, sk: str = ITEM, consistent: bool = False, projection: str = ""
    ) -> dict[str, Any] | None:
        """Return one item as plain values, or None."""
        params: dict[str, Any] = {"TableName": self.name, "Key": typed_key(pk, sk)}
        params["ConsistentRead"] = consistent
        if projection:
            params["ProjectionExpression"] = projection
        response = self.client.get_item(**params)
        return plain(response["Item"]) if "Item" in response else None

    def batch_get(self, keys: list[tuple[str, str]]) -> dict[tuple[str, str], dict[str, Any]]:
        """Return the items found for up to 100 keys, by key, retrying unprocessed ones."""
        request = {self.name: {"Keys": [typed_key(pk, sk) for pk, sk in keys]}}
        found: dict[tuple[str, str], dict[str, Any]] = {}
        for response in self._until_processed(
            self.client.batch_get_item, request, "UnprocessedKeys"
        ):
            for item in response["Responses"].get(self.name, []):
                values = plain(item)
                found[(values["pk"], values["sk"])] = values
        return found

    def query(
        self,
        partition: str,
        between: tuple[str, str] | None = None,
        newest_first: bool = False,
        limit: int | None = None,
        consistent: bool = False,
        prefix: str = "",
        projection: str = "",
        names: dict[str, str] | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Yield a partition's items in sort-key order, page after page up to ``limit``."""
        values = {":pk": {"S": partition}}
        condition = "pk = :pk"
        if between is not None:
            condition += " AND sk BETWEEN :low AND :high"
            values.update({":low": {"S": between[0]}, ":high": {"S": between[1]}})
        if prefix:
            condition += " AND begins_with(sk, :prefix)"
            values[":prefix"] = {"S": prefix}
        params: dict[str, Any] = {
            "TableName": self.name,
            "ConsistentRead": consistent,
            "KeyConditionExpression": condition,
            "ExpressionAttributeValues": values,
            "ScanIndexForward": not newest_first,
        }
        if projection:
            params["ProjectionExpression"] = projection
        if names:
            params["ExpressionAttributeNames"] = names
        if limit is not None:
            # One request: a limited query is one page of a listing.
            params["Limit"] = limit
            yield from map(plain, self.client.query(**params)["Items"])
            return
        while True:
            response = self.client.query(**params)
            yield from map(plain, response["Items"])
            if "LastEvaluatedKey" not in response:
                return
            params["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def scan_keys(self, partition_prefix: str = "") -> Iterator[tuple[str, str]]:
        """Yield the key of every item (operator tooling only: no page ever scans)."""
        params: dict[str, Any] = {"TableName": self.name, "ProjectionExpression": "pk, sk"}
        if partition_prefix:
            params["FilterExpression"] = "begins_with(pk, :prefix)"
            params["ExpressionAttributeValues"] = {":prefix": {"S": partition_prefix}}
        while True:
            response = self.client.scan(**params)
            yield from ((item["pk"]["S"], item["sk"]["S"]) for item in response["Items"])
            if "LastEvaluatedKey" not in response:
                return
            params["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def _until_processed(
        self, send: Callable[..., dict[str, Any]], request: dict[str, Any], unprocessed: str
    ) -> Iterator[dict[str, Any]]:
        for attempt in range(MAX_ATTEMPTS):
            response = send(RequestItems=request)
            yield response
            request = response.get(unprocessed) or {}
            if not request:
                return
            backoff(attempt)
        raise StorageConflictError("requests kept being throttled")


def backoff(attempt: int) -> None:
    """Sleep before retry number ``attempt``: full jitter, doubling from 50 ms."""
    time.sleep(random.uniform(0, 0.05 * 2**attempt))
