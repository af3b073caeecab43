"""Faults on purpose in the local stack, to prove that publishing repairs itself.

``LOCAL_FAULTS=drop=0.2,duplicate=0.3,reorder=1,delay=2,dynamodb_errors=0.05 make run``
makes the local S3 event bridge lose, repeat, reorder and delay events as S3 and Lambda
may, and the emulator fail DynamoDB requests with throttling or server errors before
applying them, as DynamoDB may. boto3's retries absorb most DynamoDB errors; what gets
through, like every lost event, is for reconciliation to repair.
"""

from __future__ import annotations

import json
import logging
import random
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, fields
from typing import Any

LOG = logging.getLogger(__name__)
# What DynamoDB answers under load or when a node fails; boto3 retries all three.
_DYNAMODB_ERRORS = (
    ("400 Bad Request", "ThrottlingException"),
    ("400 Bad Request", "ProvisionedThroughputExceededException"),
    ("500 Internal Server Error", "InternalServerError"),
)


@dataclass(frozen=True)
class FaultPlan:
    """How often each fault happens; all zero is the faithful local stack."""

    drop: float = 0.0  # an S3 event is never delivered
    duplicate: float = 0.0  # an S3 event is delivered twice
    reorder: float = 0.0  # a batch of events is delivered in random order
    delay: float = 0.0  # seconds: each delivery waits up to this long
    dynamodb_errors: float = 0.0  # a DynamoDB request fails before it is applied
    seed: int | None = None

    @property
    def active(self) -> bool:
        """Tell whether any fault is on."""
        return any(getattr(self, f.name) for f in fields(self) if f.name != "seed")


def parse_faults(text: str) -> FaultPlan:
    """Read ``name=value,...``; raise ValueError naming what is wrong."""
    known = {f.name for f in fields(FaultPlan)}
    values: dict[str, Any] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, equals, value = part.partition("=")
        name = name.strip()
        if not equals or name not in known:
            raise ValueError(f"LOCAL_FAULTS: {part!r} is not one of {', '.join(sorted(known))}")
        try:
            values[name] = int(value) if name == "seed" else float(value)
        except ValueError:
            raise ValueError(f"LOCAL_FAULTS: {name} needs a number, not {value!r}") from None
        probability = name not in ("seed", "delay")
        if values[name] < 0 or (probability and values[name] > 1):
            raise ValueError(f"LOCAL_FAULTS: {name}={value} is out of range")
    return FaultPlan(**values)


class EventFaults:
    """Decides when, and how often, each S3 event record is delivered."""

    def __init__(self, plan: FaultPlan, clock: Callable[[], float]) -> None:
        self._plan = plan
        self._clock = clock
        self._random = random.Random(plan.seed)
        self.counts = {"received": 0, "dropped": 0, "duplicated": 0, "delivered": 0}

    def deliveries(self, records: Iterable[dict[str, Any]]) -> list[tuple[float, dict[str, Any]]]:
        """Return (due time, record) for each delivery of these records; none if dropped."""
        records = list(records)
        if self._random.random() < self._plan.reorder:
            self._random.shuffle(records)
        planned: list[tuple[float, dict[str, Any]]] = []
        for record in records:
            self.counts["received"] += 1
            if self._random.random() < self._plan.drop:
                self.counts["dropped"] += 1
                LOG.info("fault: dropped the event for %s", record["s3"]["object"]["key"])
                continue
            copies = 2 if self._random.random() < self._plan.duplicate else 1
            self.counts["duplicated"] += copies - 1
            for _ in range(copies):
                planned.append((self._clock() + self._random.uniform(0, self._plan.delay), record))
        self.counts["delivered"] += len(planned)
        return planned


class DynamoDBFaults:
    """WSGI middleware failing a share of DynamoDB requests before the emulator sees them."""

    def __init__(self, app: Callable[..., Any], rate: float, seed: int | None = None) -> None:
        self._app = app
        self.rate = rate  # settable: a test may stop the errors to compare results quickly
        self._random = random.Random(seed)
        self._lock = threading.Lock()
        self.injected = 0

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        """Answer with a DynamoDB error at the configured rate, else pass the request on."""
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        with self._lock:
            fail = target.startswith("DynamoDB_") and self._random.random() < self.rate
            status, code = self._random.choice(_DYNAMODB_ERRORS)
            self.injected += fail
        if not fail:
            return self._app(environ, start_response)
        # Read the request so that the connection can carry the next one.
        environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        body = json.dumps(
            {"__type": f"com.amazonaws.dynamodb.v20120810#{code}", "message": "LOCAL_FAULTS"}
        ).encode()
        headers = [
            ("Content-Type", "application/x-amz-json-1.0"),
            ("Content-Length", str(len(body))),
        ]
        start_response(status, headers)
        return [body]
