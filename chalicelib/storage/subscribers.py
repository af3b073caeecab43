"""Readers who follow by e-mail, write side: states, tokens, lists and the mail limits.

Keys (docs/data-model.md, "Subscribers"): one ``SUBSCRIBER#{id}`` record per address
(``id`` the SHA-256 of the normalised address), a copy of it in the list of its state
(``SUBSCRIBERS#{state}``, sort key the id: the fan-out and the counts read these), and
one item per token keyed by the token's SHA-256 (``CONFIRM#``, ``UNSUBSCRIBE#``), so a
token lookup is one GetItem and no key holds a usable link. The routes never read a
``SUBSCRIBERS#`` list: they reach a record only from an address or a token they hold.

Every change of state is one transaction conditioned on the state as read, so a
concurrent request or a duplicate event changes it once. Suppressed is final.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from chalicelib.storage.items import plain
from chalicelib.storage.keys import ITEM
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
    reason: str  # "send", "confirmed", "suppressed", "recently sent", "hourly cap", "race"


def normalise_address(address: str) -> str:
    """Return the form of an address its id is computed from (one inbox, one id)."""
    return address.strip().lower()


def subscriber_id(address: str) -> str:
    """Return the SHA-256 hex of the normalised address: the name logs use."""
    return _sha256(normalise_address(address))


def subscriber_record(sub_id: str) -> str:
    """Return the partition of one subscriber's record."""
    return f"SUBSCRIBER#{sub_id}"


def state_list(state: str) -> str:
    """Return the partition listing the subscribers in ``state`` (sort key the id)."""
    return f"SUBSCRIBERS#{state}"


def confirm_item(token: str) -> str:
    """Return the partition of a confirmation token: ``CONFIRM#`` and its SHA-256."""
    return f"CONFIRM#{_sha256(token)}"


def unsubscribe_item(token: str) -> str:
    """Return the partition of an unsubscribe token: ``UNSUBSCRIBE#`` and its SHA-256."""
    return f"UNSUBSCRIBE#{_sha256(token)}"


def hourly_counter(now: datetime) -> str:
    """Return the partition counting the confirmation mails of ``now``'s hour (UTC)."""
    return f"CONFIRMATIONS#{now.astimezone(UTC).strftime('%Y-%m-%dT%H')}"


def is_subscriber_partition(pk: str) -> bool:
    """Tell whether a partition holds subscriber data (kept by a wipe: no bucket has it)."""
    return pk.startswith(("SUBSCRIBER#", "SUBSCRIBERS#", "CONFIRM#", "UNSUBSCRIBE#"))


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


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
            condition(put, "#state = :was", {":was": {"S": item["state"]}}, {"#state": "state"}),
            self._table.delete(state_list(item["state"]), sub_id),
            self._table.put(state_list(state), sub_id, _entry(record)),
        ]
        if item.get("confirm_hash"):
            # A move out of pending ends its confirmation link.
            actions.append(self._table.delete(f"CONFIRM#{item['confirm_hash']}"))
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
