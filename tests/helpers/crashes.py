"""Crashes on purpose: a Lambda that dies at one DynamoDB call, through a botocore hook."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

# Each step after the transaction: postings, neighbour links, related posts, layout.
FOLLOW_UP_STEPS = [
    ("BatchWriteItem", ""),
    ("UpdateItem", "older"),
    ("UpdateItem", "related"),
    ("PutItem", "LAYOUT"),
]


class InjectedFailure(Exception):
    """The fault a test injects: the Lambda dies here."""


@contextmanager
def fail_once(client: Any, operation: str, when: str = "") -> Iterator[None]:
    """Make the first call of an operation (whose request mentions ``when``) raise."""
    calls = {"failed": False}

    def hook(params: dict[str, Any], **_: Any) -> None:
        if not calls["failed"] and when in repr(params):
            calls["failed"] = True
            raise InjectedFailure(operation)

    event = f"before-call.dynamodb.{operation}"
    client.meta.events.register(event, hook)
    try:
        yield
    finally:
        client.meta.events.unregister(event, hook)
    assert calls["failed"], "the fault was never injected"
