"""The one table-access layer: requests, retries with backoff, and write conditions.

Every other storage module builds requests and hands them here, so each retry loop
and each condition (the source's revision, a permalink's owner) is written once.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterator
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.storage.items import plain, typed
from chalicelib.storage.keys import ITEM, typed_key
from chalicelib.storage.records import SlugTakenError, StorageConflictError

LOG = logging.getLogger(__name__)
MAX_ATTEMPTS = 8
BATCH_WRITE_ITEMS = 25
Action = dict[str, Any]
# A permalink (a post's or page's item) may be claimed by one source file only.
_OWNED = "attribute_not_exists(pk) OR source_key = :owner"


class Table:
    """One DynamoDB table, through the low-level client (injectable for tests)."""

    def __init__(self, client: Any, name: str) -> None:
        self.client = client
        self.name = name

    # Reads ----------------------------------------------------------------------

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

    # Writes ---------------------------------------------------------------------

    def put(self, pk: str, sk: str, attributes: dict[str, Any]) -> Action:
        """Return a Put of an item, for a transaction or ``write_if``."""
        return {"Put": {"TableName": self.name, "Item": {**typed(attributes), **typed_key(pk, sk)}}}

    def delete(self, pk: str, sk: str = ITEM) -> Action:
        """Return a Delete of an item, for a transaction or ``write_if``."""
        return {"Delete": {"TableName": self.name, "Key": typed_key(pk, sk)}}

    def update(self, pk: str, sk: str, expression: str, values: dict[str, Any]) -> Action:
        """Return an Update of an item with typed ``values``, for a transaction or ``write_if``."""
        update = {"TableName": self.name, "Key": typed_key(pk, sk), "UpdateExpression": expression}
        if values:
            update["ExpressionAttributeValues"] = values
        return {"Update": update}

    def write_if(self, action: Action) -> bool:
        """Make one conditional write; False when its condition did not hold."""
        ((kind, params),) = action.items()
        write = {"Put": self.client.put_item, "Update": self.client.update_item}.get(
            kind, self.client.delete_item
        )
        try:
            write(**params)
            return True
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            return False

    def batch_write(self, requests: list[dict[str, Any]]) -> None:
        """Make up to 25 puts and deletes, retrying unprocessed ones with backoff."""
        for _ in self._until_processed(
            self.client.batch_write_item, {self.name: requests}, "UnprocessedItems"
        ):
            pass

    def transact(self, actions: list[Action]) -> ClientError | None:
        """Run a transaction; return why it was cancelled, or None once it is committed."""
        try:
            self.client.transact_write_items(TransactItems=actions)
            return None
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "TransactionCanceledException":
                raise
            return exc

    def commit(self, actions: list[Action]) -> None:
        """Run a transaction without conditions; a concurrent one on its items raises."""
        self.client.transact_write_items(TransactItems=actions)

    def transact_until_committed(
        self, source_key: str, build: Callable[[], list[Action] | None]
    ) -> bool:
        """Build and run a transaction until it commits; False when ``build`` finds no work.

        ``build`` reads what it needs afresh on each attempt: a cancellation means a
        concurrent writer changed it. A permalink owned by another file is not a race.
        """
        for attempt in range(MAX_ATTEMPTS):
            actions = build()
            if actions is None:
                return False
            cancelled = self.transact(actions)
            if cancelled is None:
                return True
            codes = [r.get("Code") for r in cancelled.response.get("CancellationReasons", [])]
            for action, code in zip(actions, codes, strict=False):
                if code == "ConditionalCheckFailed" and _is_claim(action):
                    raise SlugTakenError(self._owner_message(action)) from cancelled
            LOG.info("transaction for %s cancelled (%s); retrying", source_key, codes)
            backoff(attempt)
        raise StorageConflictError(f"gave up writing {source_key} after repeated conflicts")

    def _owner_message(self, claim: Action) -> str:
        pk = claim["Put"]["Item"]["pk"]["S"]
        owner = self.get(pk, consistent=True) or {}
        name = pk.split("#", 1)[1]
        return f"{name} is already published from {owner.get('source_key', 'another file')}"

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


def if_revision(action: Action, rev: int | None) -> Action:
    """Condition a write on a source item being as read: absent (None) or at ``rev``."""
    body = next(iter(action.values()))
    if rev is None:
        body["ConditionExpression"] = "attribute_not_exists(pk)"
    else:
        body["ConditionExpression"] = "rev = :rev"
        body.setdefault("ExpressionAttributeValues", {})[":rev"] = {"N": str(rev)}
    return action


def if_owned_by(action: Action, source_key: str) -> Action:
    """Condition a put of a permalink's item on it being new or published from this file."""
    action["Put"]["ConditionExpression"] = _OWNED
    action["Put"]["ExpressionAttributeValues"] = {":owner": {"S": source_key}}
    return action


def if_exists(action: Action, also: str = "") -> Action:
    """Condition a write on the item existing (and on ``also``): a deleted item stays so."""
    body = next(iter(action.values()))
    body["ConditionExpression"] = (
        f"attribute_exists(pk) AND ({also})" if also else ("attribute_exists(pk)")
    )
    return action


def _is_claim(action: Action) -> bool:
    return "Put" in action and action["Put"].get("ConditionExpression") == _OWNED
