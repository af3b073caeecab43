"""Local triggers: S3 events through an SQS queue, SQS consumers, scheduled handlers on a timer.

Every ``@app.schedule`` handler runs on the timer, reconcile included; an S3 event whose
handler fails goes to the failed-event queue, as Lambda's on-failure destination does.

`chalice local` never runs S3 handlers (aws/chalice issue 899). moto sends real S3
event payloads to SQS in server mode, so each handler sees what Lambda would see.
"""

from __future__ import annotations

import fnmatch
import heapq
import itertools
import json
import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote_plus

from chalice.app import Chalice, S3EventConfig, ScheduledEventConfig, SQSEventConfig

from devtools.faults import EventFaults

LOG = logging.getLogger(__name__)
Handler = Callable[[dict[str, Any], Any], Any]
POLL_INTERVAL_SECONDS = 0.1


@dataclass(frozen=True)
class S3Route:
    """One ``@app.on_s3_event`` handler and the notification filter it is deployed with."""

    prefix: str
    suffix: str
    events: tuple[str, ...]
    handler: Handler

    def matches(self, record: dict[str, Any]) -> bool:
        """Tell whether S3 would invoke this handler for the record."""
        key = unquote_plus(record["s3"]["object"]["key"])
        event = f"s3:{record['eventName']}"
        return (
            key.startswith(self.prefix)
            and key.endswith(self.suffix)
            and any(fnmatch.fnmatchcase(event, pattern) for pattern in self.events)
        )


def s3_routes(app: Chalice) -> list[S3Route]:
    """Read the app's S3 handlers and their filters, as `chalice deploy` does."""
    return [
        S3Route(
            source.prefix or "",
            source.suffix or "",
            tuple(source.events),
            app.handler_map[source.name],
        )
        for source in app.event_sources
        if isinstance(source, S3EventConfig)
    ]


class _Poller:
    """Polls a queue on a thread until stopped, as Lambda's event source mappings do."""

    def poll_once(self) -> int:
        """Handle what the queue holds now; return how many messages."""
        raise NotImplementedError

    def run_forever(self, stop: threading.Event) -> None:
        """Poll until stopped; a failure is logged and the loop goes on."""
        while not stop.is_set():
            try:
                if not self.poll_once():
                    stop.wait(POLL_INTERVAL_SECONDS)
            except Exception:  # noqa: BLE001 - keep the local stack alive, as Lambda would
                LOG.exception("%s failed; retrying", type(self).__name__)
                stop.wait(1)


class QueueBridge(_Poller):
    """Poll the queue and invoke matching handlers once per record, as the triggers do.

    With ``faults`` (LOCAL_FAULTS), records may be dropped, repeated, reordered and
    delayed on their way, as S3 and Lambda sometimes do.
    """

    def __init__(
        self,
        sqs: Any,
        queue_url: str,
        routes: list[S3Route],
        after_record: Callable[[dict[str, Any]], None] | None = None,
        failure_queue_url: str = "",
        faults: EventFaults | None = None,
    ) -> None:
        self._sqs = sqs
        self._queue_url = queue_url
        self._routes = routes
        self._after_record = after_record
        self._failure_queue_url = failure_queue_url
        self._faults = faults
        self._pending: list[tuple[float, int, dict[str, Any]]] = []
        self._sequence = itertools.count()

    @property
    def pending(self) -> int:
        """Return how many deliveries are held back (delayed by faults)."""
        return len(self._pending)

    def poll_once(self) -> int:
        """Handle the messages waiting now, and held-back ones now due; return how many ran."""
        # Short polls: the serial emulator would be blocked for the whole of a long poll.
        response = self._sqs.receive_message(
            QueueUrl=self._queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0
        )
        handled = 0
        for message in response.get("Messages", []):
            records = json.loads(message["Body"]).get("Records", [])
            for record in records:
                # The mirror keeps .local/ in step with the bucket, faults or not; a
                # handler may move the object soon after (mail goes to inbox/processed/).
                if self._after_record is not None:
                    self._after_record(record)
            if self._faults is None:
                deliveries = [(0.0, record) for record in records]
            else:
                deliveries = self._faults.deliveries(records)
            for due, record in deliveries:
                heapq.heappush(self._pending, (due, next(self._sequence), record))
            # Handled before the message goes, as Lambda does: an empty queue then means
            # every event has run, unless a fault holds it back (see ``pending``).
            handled += self._run_due()
            self._sqs.delete_message(
                QueueUrl=self._queue_url, ReceiptHandle=message["ReceiptHandle"]
            )
        return handled + self._run_due()

    def _run_due(self) -> int:
        handled = 0
        while self._pending and self._pending[0][0] <= time.monotonic():
            self._run(heapq.heappop(self._pending)[2])
            handled += 1
        return handled

    def _run(self, record: dict[str, Any]) -> None:
        for route in self._routes:
            if route.matches(record):
                try:
                    route.handler({"Records": [record]}, None)
                except Exception as exc:  # noqa: BLE001 - one bad event must not stop the others
                    LOG.exception("handler failed for %s", record["s3"]["object"]["key"])
                    self._send_to_failure_queue(record, exc)

    def _send_to_failure_queue(self, record: dict[str, Any], error: Exception) -> None:
        # What Lambda's on-failure destination sends; reconcile drains it.
        if not self._failure_queue_url:
            return
        body = {
            "version": "1.0",
            "timestamp": datetime.now(UTC).isoformat(),
            "requestContext": {"condition": "RetriesExhausted", "approximateInvokeCount": 1},
            "requestPayload": {"Records": [record]},
            "responseContext": {"statusCode": 200, "functionError": "Unhandled"},
            "responsePayload": {"errorMessage": str(error), "errorType": type(error).__name__},
        }
        self._sqs.send_message(QueueUrl=self._failure_queue_url, MessageBody=json.dumps(body))


SCHEDULE_INTERVAL_SECONDS = 30


def run_schedules(app: Chalice, stop: threading.Event) -> None:
    """Invoke every ``@app.schedule`` handler every 30 s, as EventBridge would on its rate."""
    handlers = [
        app.handler_map[source.name]
        for source in app.event_sources
        if isinstance(source, ScheduledEventConfig)
    ]
    while not stop.wait(SCHEDULE_INTERVAL_SECONDS):
        for handler in handlers:
            try:
                handler(scheduled_event(), None)
            except Exception:  # noqa: BLE001 - the next tick tries again, as EventBridge would
                LOG.exception("scheduled handler failed")


def scheduled_event() -> dict[str, Any]:
    """Build the event EventBridge sends a scheduled Lambda."""
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "123456789012",
        "time": now,
        "region": "us-east-1",
        "resources": ["arn:aws:events:us-east-1:123456789012:rule/local-schedule"],
        "detail": {},
    }


class QueueConsumer(_Poller):
    """Run an ``@app.on_sqs_message`` handler on its queue's messages, one at a time.

    As Lambda's SQS trigger does: a message is deleted once its handler returns; a
    failure leaves it to come back after the visibility timeout, and the queue's redrive
    policy moves it to its dead-letter queue after too many receives.
    """

    def __init__(self, sqs: Any, queue_url: str, handler: Handler) -> None:
        self._sqs = sqs
        self._queue_url = queue_url
        self._handler = handler

    def poll_once(self) -> int:
        """Handle the messages waiting now; return how many were received."""
        response = self._sqs.receive_message(
            QueueUrl=self._queue_url,
            MaxNumberOfMessages=10,
            WaitTimeSeconds=0,
            AttributeNames=["All"],
        )
        messages = response.get("Messages", [])
        for message in messages:
            try:
                self._handler({"Records": [sqs_record(message, self._queue_url)]}, None)
            except Exception:  # noqa: BLE001 - it returns after its visibility timeout
                LOG.exception("queue handler failed; the message will be delivered again")
                continue
            self._sqs.delete_message(
                QueueUrl=self._queue_url, ReceiptHandle=message["ReceiptHandle"]
            )
        return len(messages)


def sqs_consumers(app: Chalice, sqs: Any) -> list[QueueConsumer]:
    """Return a consumer for each ``@app.on_sqs_message`` handler, on its named queue."""
    return [
        QueueConsumer(
            sqs,
            sqs.get_queue_url(QueueName=source.queue)["QueueUrl"],
            app.handler_map[source.name],
        )
        for source in app.event_sources
        if isinstance(source, SQSEventConfig) and source.queue
    ]


def sqs_record(message: dict[str, Any], queue_url: str) -> dict[str, Any]:
    """Build the record Lambda's SQS trigger hands a function for one message."""
    name = queue_url.rsplit("/", 1)[-1]
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": message.get("Attributes", {}),
        "messageAttributes": {},
        "md5OfBody": message.get("MD5OfBody", ""),
        "eventSource": "aws:sqs",
        "eventSourceARN": f"arn:aws:sqs:us-east-1:123456789012:{name}",
        "awsRegion": "us-east-1",
    }
