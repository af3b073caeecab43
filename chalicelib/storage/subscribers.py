"""Readers who follow by e-mail, write side: states, tokens, lists and the mail limits.

Keys (subscriber_keys.py; docs/data-model.md, "Subscribers"): one record per address,
``SUBSCRIBER#{id}`` (``id`` the SHA-256 of the normalised address); a copy of it in the
list of its state (``SUBSCRIBERS#{state}``, sort key the id: the fan-out and the counts
read these); one item per token keyed by the token's SHA-256 (``CONFIRM#``,
``UNSUBSCRIBE#``), so a token lookup is one GetItem and no key holds a usable link. The
routes never read a ``SUBSCRIBERS#`` list: they reach a record only from an address or a
token they hold.

Every change of state is one transaction conditioned on the state as read, so a
concurrent request or a duplicate event changes it once. Suppressed is final.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from chalicelib.storage.items import plain
from chalicelib.storage.keys import ITEM
from chalicelib.storage.subscriber_keys import (
    confirm_item,
    confirm_item_of_hash,
    hourly_counter,
    normalise_address,
    sha256_hex,
    state_list,
    subscriber_id,
    subscriber_record,
    unsubscribe_item,
)
from chalicelib.storage.transactions import Action, WritableTable, condition, if_absent

PENDING = "pending"
CONFIRMED = "confirmed"
UNSUBSCRIBED = "unsubscribed"
SUPPRESSED = "suppressed"
STATES = (PENDING, CONFIRMED, UNSUBSCRIBED, SUPPRESSED)
# 16 random bytes: 128 bits, 22 URL-safe characters; tokens are in every mail's links.
TOKEN_BYTES = 16
# At most one confirmation mail to an address in this time, however often it is asked.
CONFIRMATION_INTERVAL = timedelta(hours=24)


@dataclass(frozen=True)
class Subscriber:
    """One address that asked to follow the blog (logs name it by ``subscriber_id``)."""

    subscriber_id: str
    address: str
    state: str
    unsubscribe_token: str
    created: str = ""
    changed: str = ""


@dataclass(frozen=True)
class ConfirmationRequest:
    """What a subscribe request came to: a token to mail, or why nothing is sent."""

    subscriber_id: str
    confirm_token: str | None
    # "send", or why not: "confirmed", "suppressed", "recently sent", "hourly cap", "race".
    reason: str


def _utcnow() -> datetime:
    return datetime.now(UTC)


class Subscribers:
    """The subscriber list: the routes' narrow writes, the fan-out's reads, the tooling's."""

    def __init__(self, table: WritableTable, clock: Callable[[], datetime] = _utcnow) -> None:
        self._table = table
        self._clock = clock

    def get(self, sub_id: str) -> Subscriber | None:
        """Return one subscriber by id, or None."""
        item = self._record(sub_id)
        return None if item is None else _subscriber(sub_id, item)

    def confirmed(self, start: str | None, limit: int) -> tuple[list[Subscriber], str | None]:
        """Return a page of confirmed subscribers in id order, and the next page's cursor."""
        params: dict[str, Any] = {
            "TableName": self._table.name,
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": {":pk": {"S": state_list(CONFIRMED)}},
            "ConsistentRead": True,
            "Limit": limit,
        }
        if start:
            params["ExclusiveStartKey"] = {"pk": {"S": state_list(CONFIRMED)}, "sk": {"S": start}}
        response = self._table.client.query(**params)
        page = [_subscriber(item["sk"], item) for item in map(plain, response["Items"])]
        after = response.get("LastEvaluatedKey")
        return page, (after["sk"]["S"] if after else None)

    def listed(self, state: str) -> Iterator[Subscriber]:
        """Yield every subscriber in ``state``, in id order (export)."""
        for item in self._table.query(state_list(state), consistent=True):
            yield _subscriber(item["sk"], item)

    def counts(self) -> dict[str, int]:
        """Return how many subscribers each state has (one counting Query per state)."""
        counts = {}
        for state in STATES:
            params: dict[str, Any] = {
                "TableName": self._table.name,
                "KeyConditionExpression": "pk = :pk",
                "ExpressionAttributeValues": {":pk": {"S": state_list(state)}},
                "Select": "COUNT",
            }
            total = 0
            while True:
                response = self._table.client.query(**params)
                total += response["Count"]
                if "LastEvaluatedKey" not in response:
                    break
                params["ExclusiveStartKey"] = response["LastEvaluatedKey"]
            counts[state] = total
        return counts

    def suppress(self, address: str, reason: str) -> None:
        """Suppress an address for good (hard bounce, complaint), known or not."""
        sub_id = subscriber_id(address)

        def build() -> list[Action] | None:
            item = self._record(sub_id)
            if item is None:
                record = self._new_record(address, SUPPRESSED)
                return [
                    if_absent(self._table.put(subscriber_record(sub_id), ITEM, record)),
                    self._table.put(state_list(SUPPRESSED), sub_id, _entry(record)),
                ]
            if item["state"] == SUPPRESSED:
                return None
            return self._move(sub_id, item, SUPPRESSED, {"reason": reason})

        self._table.transact_until_committed(sub_id[:12], build)

    def request_confirmation(self, address: str, max_per_hour: int) -> ConfirmationRequest:
        """Make a confirmation token to mail, unless a limit or the state says not to.

        At most one confirmation to an address per CONFIRMATION_INTERVAL (its record's
        ``confirmation_sent``, a condition of the write) and ``max_per_hour`` site-wide
        (the hour's counter, a conditional ADD taken only for an address due a mail, so
        repeating a refused address never uses the cap up).
        """
        sub_id = subscriber_id(address)
        why = self._refusal(self._record(sub_id))
        if why:
            return ConfirmationRequest(sub_id, None, why)
        if not self._take_hourly_slot(max_per_hour):
            return ConfirmationRequest(sub_id, None, "hourly cap")
        token = secrets.token_urlsafe(TOKEN_BYTES)

        def build() -> list[Action] | None:
            item = self._record(sub_id)
            if self._refusal(item):
                return None  # a concurrent request got there first: it sends the mail
            return self._pending_actions(sub_id, address, item, token)

        if self._table.transact_until_committed(sub_id[:12], build):
            return ConfirmationRequest(sub_id, token, "send")
        return ConfirmationRequest(sub_id, None, "race")

    def is_confirm_token(self, token: str) -> bool:
        """Tell whether a confirmation link is current (one GetItem)."""
        return self._token_owner(confirm_item(token)) is not None

    def is_unsubscribe_token(self, token: str) -> bool:
        """Tell whether an unsubscribe link belongs to a subscriber (one GetItem)."""
        return self._token_owner(unsubscribe_item(token)) is not None

    def confirm(self, token: str) -> Subscriber | None:
        """Confirm the pending subscriber a confirmation token names; None for no such token."""
        sub_id = self._token_owner(confirm_item(token))
        if sub_id is None:
            return None
        wanted = sha256_hex(token)

        def build() -> list[Action] | None:
            item = self._record(sub_id)
            if item is None or item["state"] != PENDING or item.get("confirm_hash") != wanted:
                return None
            return self._move(sub_id, item, CONFIRMED, {})

        self._table.transact_until_committed(sub_id[:12], build)
        return self.get(sub_id)

    def unsubscribe(self, token: str) -> Subscriber | None:
        """Unsubscribe the subscriber an unsubscribe token names (again is no change)."""
        sub_id = self._token_owner(unsubscribe_item(token))
        if sub_id is None:
            return None

        def build() -> list[Action] | None:
            item = self._record(sub_id)
            if item is None or item["state"] in (UNSUBSCRIBED, SUPPRESSED):
                return None
            return self._move(sub_id, item, UNSUBSCRIBED, {})

        self._table.transact_until_committed(sub_id[:12], build)
        return self.get(sub_id)

    def add(self, address: str, confirmed: bool) -> bool:
        """Add an imported address (no mail is sent); False when it is already known."""
        sub_id = subscriber_id(address)
        record = self._new_record(address, CONFIRMED if confirmed else PENDING)
        record["imported"] = True
        token = record["unsubscribe_token"]
        actions = [
            if_absent(self._table.put(subscriber_record(sub_id), ITEM, record)),
            self._table.put(state_list(record["state"]), sub_id, _entry(record)),
            self._table.put(unsubscribe_item(token), ITEM, {"subscriber_id": sub_id}),
        ]
        return self._table.transact(actions) is None

    def _refusal(self, item: dict[str, Any] | None) -> str:
        """Say why an address gets no confirmation mail now ("" when it may get one)."""
        if item is None:
            return ""
        if item["state"] in (CONFIRMED, SUPPRESSED):
            return str(item["state"])
        cutoff = (self._clock() - CONFIRMATION_INTERVAL).astimezone(UTC)
        if str(item.get("confirmation_sent", "")) > cutoff.isoformat(timespec="seconds"):
            return "recently sent"
        return ""

    def _take_hourly_slot(self, max_per_hour: int) -> bool:
        add = self._table.update(
            hourly_counter(self._clock()), ITEM, "ADD n :one", {":one": {"N": "1"}}
        )
        cap = {":cap": {"N": str(max_per_hour)}}
        return self._table.write_if(condition(add, "attribute_not_exists(n) OR n < :cap", cap))

    def _pending_actions(
        self, sub_id: str, address: str, item: dict[str, Any] | None, token: str
    ) -> list[Action]:
        """Return the writes of a new confirmation: the record pending, the new link."""
        sent = {"confirmation_sent": self._now(), "confirm_hash": sha256_hex(token)}
        link = self._table.put(confirm_item(token), ITEM, {"subscriber_id": sub_id})
        if item is None:
            record = {**self._new_record(address, PENDING), **sent}
            owner = {"subscriber_id": sub_id}
            return [
                if_absent(self._table.put(subscriber_record(sub_id), ITEM, record)),
                self._table.put(state_list(PENDING), sub_id, _entry(record)),
                self._table.put(unsubscribe_item(record["unsubscribe_token"]), ITEM, owner),
                link,
            ]
        if item["state"] == PENDING:
            record = {k: v for k, v in item.items() if k not in ("pk", "sk")}
            put = self._table.put(subscriber_record(sub_id), ITEM, {**record, **sent})
            actions = [self._as_read(put, item), link]
            if item.get("confirm_hash"):
                actions.append(self._table.delete(confirm_item_of_hash(item["confirm_hash"])))
            return actions
        # Unsubscribed, subscribing again: pending, with a new confirmation.
        return [*self._move(sub_id, item, PENDING, sent), link]

    def _token_owner(self, partition: str) -> str | None:
        item = self._table.get(partition, consistent=True)
        return None if item is None else str(item["subscriber_id"])

    @staticmethod
    def _as_read(action: Action, item: dict[str, Any]) -> Action:
        """Condition a write of a record on its state and last confirmation as read."""
        values = {":was": {"S": item["state"]}}
        expression = "#state = :was AND "
        if "confirmation_sent" in item:
            values[":sent"] = {"S": str(item["confirmation_sent"])}
            expression += "confirmation_sent = :sent"
        else:
            expression += "attribute_not_exists(confirmation_sent)"
        return condition(action, expression, values, {"#state": "state"})

    def _record(self, sub_id: str) -> dict[str, Any] | None:
        return self._table.get(subscriber_record(sub_id), consistent=True)

    def _now(self) -> str:
        return self._clock().astimezone(UTC).isoformat(timespec="seconds")

    def _new_record(self, address: str, state: str) -> dict[str, Any]:
        now = self._now()
        return {
            "address": normalise_address(address),
            "state": state,
            "unsubscribe_token": secrets.token_urlsafe(TOKEN_BYTES),
            "created": now,
            "changed": now,
        }

    def _move(
        self, sub_id: str, item: dict[str, Any], state: str, extra: dict[str, Any]
    ) -> list[Action]:
        """Return the writes moving a record from the state read to ``state``."""
        record = {k: v for k, v in item.items() if k not in ("pk", "sk", "confirm_hash")}
        record.update({"state": state, "changed": self._now(), **extra})
        put = self._table.put(subscriber_record(sub_id), ITEM, record)
        actions = [
            self._as_read(put, item),
            self._table.delete(state_list(item["state"]), sub_id),
            self._table.put(state_list(state), sub_id, _entry(record)),
        ]
        if item.get("confirm_hash"):
            # A move out of pending ends its confirmation link.
            actions.append(self._table.delete(confirm_item_of_hash(item["confirm_hash"])))
        return actions


def _entry(record: dict[str, Any]) -> dict[str, Any]:
    """Return what a state list's entry holds: the record's address, token and dates."""
    keep = ("address", "state", "unsubscribe_token", "created", "changed")
    return {name: record[name] for name in keep if name in record}


def _subscriber(sub_id: str, item: dict[str, Any]) -> Subscriber:
    return Subscriber(
        subscriber_id=sub_id,
        address=str(item["address"]),
        state=str(item.get("state", "")),
        unsubscribe_token=str(item["unsubscribe_token"]),
        created=str(item.get("created", "")),
        changed=str(item.get("changed", "")),
    )
