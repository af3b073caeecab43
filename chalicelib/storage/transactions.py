"""The table-access layer, write side: conditional writes, batches and transactions.

Every write is built and sent here, so the retry of a cancelled transaction and each
condition (a source's revision, a permalink's owner) are written once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.storage.items import typed
from chalicelib.storage.keys import ITEM, typed_key
from chalicelib.storage.records import SlugTakenError, StorageConflictError
from chalicelib.storage.table import MAX_ATTEMPTS, Table, backoff

LOG = logging.getLogger(__name__)
BATCH_WRITE_ITEMS = 25
Action = dict[str, Any]
# A permalink (a post's or page's item) may be claimed by one source file only.
_OWNED = "attribute_not_exists(pk) OR source_key = :owner"


class WritableTable(Table):
    """The table with the writes only the publishing functions may make."""

    def put(self, pk: str, sk: str, attributes: dict[str, Any]) -> Action:
        """Return a Put of an item, for a transaction or ``write_if``."""
        return {"Put": {"TableName": self.name, "Item": {**typed(attributes), **typed_key(pk, sk)}}}

    def delete(self, pk: str, sk: str = ITEM) -> Action:
        """Return a Delete of an item, for a transaction or ``write_if``."""
        return {"Delete": {"TableName": self.name, "Key": typed_key(pk, sk)}}

    def check(self, pk: str, sk: str = ITEM) -> Action:
        """Return a ConditionCheck of an item, for a transaction (set its ``condition``)."""
        return {"ConditionCheck": {"TableName": self.name, "Key": typed_key(pk, sk)}}

    def update(self, pk: str, sk: str, expression: str, values: dict[str, Any]) -> Action:
        """Return an Update of an item with typed ``values``, for a transaction or ``write_if``."""
        update = {"TableName": self.name, "Key": typed_key(pk, sk), "UpdateExpression": expression}
        if values:
            # A copy: conditions added later merge their values into this action alone.
            update["ExpressionAttributeValues"] = dict(values)
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


def if_revision(action: Action, rev: int | None) -> Action:
    """Condition a write on a source item being as read: absent (None) or at ``rev``."""
    if rev is None:
        return if_absent(action)
    return condition(action, "rev = :rev", {":rev": {"N": str(rev)}})


def if_absent(action: Action) -> Action:
    """Condition a write on the item not existing yet: the first writer wins."""
    return condition(action, "attribute_not_exists(pk)")


def if_attribute(action: Action, name: str, value: str) -> Action:
    """Condition a write on a string attribute holding ``value`` (any name, reserved or not)."""
    return condition(action, "#a = :a", {":a": {"S": value}}, {"#a": name})


def if_owned_by(action: Action, source_key: str) -> Action:
    """Condition a put of a permalink's item on it being new or published from this file."""
    return condition(action, _OWNED, {":owner": {"S": source_key}})


def if_exists(action: Action, also: str = "") -> Action:
    """Condition a write on the item existing (and on ``also``): a deleted item stays so."""
    body = next(iter(action.values()))
    body["ConditionExpression"] = (
        f"attribute_exists(pk) AND ({also})" if also else ("attribute_exists(pk)")
    )
    return action


def _is_claim(action: Action) -> bool:
    return "Put" in action and action["Put"].get("ConditionExpression") == _OWNED


def condition(
    action: Action,
    expression: str,
    values: dict[str, Any] | None = None,
    names: dict[str, str] | None = None,
) -> Action:
    """Set a write's condition, adding its values and names to those the write has."""
    body = next(iter(action.values()))
    body["ConditionExpression"] = expression
    if names:
        body["ExpressionAttributeNames"] = {**body.get("ExpressionAttributeNames", {}), **names}
    if values:
        body["ExpressionAttributeValues"] = {**body.get("ExpressionAttributeValues", {}), **values}
    return action
