"""Count what a handler asks of DynamoDB, with botocore's event hooks on the client."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

_WRITES_ONE = {"PutItem", "UpdateItem", "DeleteItem"}


@dataclass
class Usage:
    """DynamoDB requests, items and bytes of one measured call, and the SDK's CPU time."""

    requests: list[str] = field(default_factory=list)
    items_read: int = 0
    items_written: int = 0
    bytes_read: int = 0
    sdk_cpu: float = 0.0


class DynamoProbe:
    """Attach to a boto3 DynamoDB client; ``measure()`` starts a fresh tally."""

    def __init__(self, client: Any, *others: Any) -> None:
        self.usage = Usage()
        # Handlers send some requests from worker threads: each thread times its own.
        self._clock = threading.local()
        self._lock = threading.Lock()
        events = client.meta.events
        events.register("provide-client-params.dynamodb", self._before)
        events.register("after-call.dynamodb", self._after)
        for other in others:
            # Other services' SDK time is storage time too, but not a DynamoDB request.
            name = other.meta.service_model.endpoint_prefix
            other.meta.events.register(f"provide-client-params.{name}", self._start_clock)
            other.meta.events.register(f"after-call.{name}", self._stop_clock)

    def measure(self) -> Usage:
        """Start counting anew and return the tally that calls will fill."""
        self.usage = Usage()
        return self.usage

    def _before(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        self._start_clock()
        with self._lock:
            self.usage.items_written += _items_written(model.name, params)

    def _start_clock(self, **_: Any) -> None:
        self._clock.started = time.thread_time()

    def _stop_clock(self, **_: Any) -> None:
        spent = time.thread_time() - self._clock.started
        with self._lock:
            self.usage.sdk_cpu += spent

    def _after(self, http_response: Any, parsed: dict[str, Any], model: Any, **_: Any) -> None:
        self._stop_clock()
        with self._lock:
            self.usage.requests.append(model.name)
            self.usage.bytes_read += len(http_response.content or b"")
            self.usage.items_read += _items_read(parsed)


def _items_written(operation: str, params: dict[str, Any]) -> int:
    if operation in _WRITES_ONE:
        return 1
    if operation == "TransactWriteItems":
        return sum(1 for action in params["TransactItems"] if "ConditionCheck" not in action)
    if operation == "BatchWriteItem":
        return sum(len(requests) for requests in params["RequestItems"].values())
    return 0


def _items_read(parsed: dict[str, Any]) -> int:
    if "Item" in parsed:
        return 1
    if "Items" in parsed:
        return len(parsed["Items"])
    return sum(len(items) for items in parsed.get("Responses", {}).values())
