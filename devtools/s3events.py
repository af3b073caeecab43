"""Local S3 event delivery: S3 notifies an SQS queue, this bridge runs the Lambda handler.

`chalice local` never runs S3 handlers (aws/chalice issue 899). moto sends real S3
event payloads to SQS in server mode, so the handler sees what Lambda would see.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from typing import Any

LOG = logging.getLogger(__name__)
Handler = Callable[[dict[str, Any], Any], Any]


class QueueBridge:
    """Poll the queue and invoke the handler once per record, as the Lambda trigger does."""

    def __init__(
        self,
        sqs: Any,
        queue_url: str,
        handler: Handler,
        after_record: Callable[[dict[str, Any]], None] | None = None,
    ) -> None:
        self._sqs = sqs
        self._queue_url = queue_url
        self._handler = handler
        self._after_record = after_record

    def poll_once(self, wait_seconds: int = 1) -> int:
        """Handle the messages waiting now; return how many records ran."""
        response = self._sqs.receive_message(
            QueueUrl=self._queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=wait_seconds
        )
        handled = 0
        for message in response.get("Messages", []):
            for record in json.loads(message["Body"]).get("Records", []):
                self._run(record)
                handled += 1
            self._sqs.delete_message(
                QueueUrl=self._queue_url, ReceiptHandle=message["ReceiptHandle"]
            )
        return handled

    def run_forever(self, stop: threading.Event) -> None:
        """Poll until stopped; a failing record is logged and the loop goes on."""
        while not stop.is_set():
            try:
                self.poll_once()
            except Exception:  # noqa: BLE001 - keep the local stack alive, as Lambda would
                LOG.exception("S3 event bridge failed; retrying")
                stop.wait(1)

    def _run(self, record: dict[str, Any]) -> None:
        try:
            self._handler({"Records": [record]}, None)
        except Exception:  # noqa: BLE001 - one bad event must not stop the others
            LOG.exception("handler failed for %s", record.get("s3", {}).get("object", {}))
        if self._after_record is not None:
            self._after_record(record)
