"""Where subscriber data lives (docs/data-model.md, "Subscribers"). Pure: the API imports it.

Tokens are keyed by their SHA-256, so no key holds a usable link and a lookup costs
the same whatever the guess. The confirmation and unsubscribe tokens have partitions
of their own: one kind of link never opens the other's page.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

# The partitions of each kind: a wipe keeps them (the bucket cannot give them back).
SUBSCRIBER_PREFIXES = ("SUBSCRIBER#", "SUBSCRIBERS#", "CONFIRM#", "UNSUBSCRIBE#")


def sha256_hex(text: str) -> str:
    """Return the SHA-256 hex of a string (an address or a token)."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def normalise_address(address: str) -> str:
    """Return the form of an address its id is computed from (one inbox, one id)."""
    return address.strip().lower()


def subscriber_id(address: str) -> str:
    """Return the SHA-256 hex of the normalised address: the name logs use."""
    return sha256_hex(normalise_address(address))


def subscriber_record(sub_id: str) -> str:
    """Return the partition of one subscriber's record."""
    return f"SUBSCRIBER#{sub_id}"


def state_list(state: str) -> str:
    """Return the partition listing the subscribers in ``state`` (sort key the id)."""
    return f"SUBSCRIBERS#{state}"


def confirm_item(token: str) -> str:
    """Return the partition of a confirmation token: ``CONFIRM#`` and its SHA-256."""
    return confirm_item_of_hash(sha256_hex(token))


def confirm_item_of_hash(token_hash: str) -> str:
    """Return the partition of a confirmation token known by its hash."""
    return f"CONFIRM#{token_hash}"


def unsubscribe_item(token: str) -> str:
    """Return the partition of an unsubscribe token: ``UNSUBSCRIBE#`` and its SHA-256."""
    return f"UNSUBSCRIBE#{sha256_hex(token)}"


def hourly_counter(now: datetime) -> str:
    """Return the partition counting the confirmation mails of ``now``'s hour (UTC)."""
    return f"CONFIRMATIONS#{now.astimezone(UTC).strftime('%Y-%m-%dT%H')}"


def is_subscriber_partition(pk: str) -> bool:
    """Tell whether a partition holds subscriber data (kept by a wipe)."""
    return pk.startswith(SUBSCRIBER_PREFIXES)
