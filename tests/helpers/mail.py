"""Mail test helpers: confirmed subscribers written straight into the table, a crashing SES."""

from __future__ import annotations

import email
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
from typing import Any

from chalicelib.storage.keys import ITEM, typed_key
from chalicelib.storage.subscriber_keys import state_list, subscriber_id, subscriber_record
from chalicelib.storage.subscribers import CONFIRMED


def add_confirmed(dynamodb: Any, table: str, addresses: list[str]) -> list[str]:
    """Write confirmed subscribers (record and list entry) as the confirm route leaves them."""
    requests = []
    ids = []
    for number, address in enumerate(addresses):
        sub_id = subscriber_id(address)
        ids.append(sub_id)
        record = {
            "address": {"S": address},
            "state": {"S": CONFIRMED},
            "unsubscribe_token": {"S": f"token{number:08d}abcdefghijkl"},
            "created": {"S": "2026-01-01T00:00:00+00:00"},
            "changed": {"S": "2026-01-01T00:00:00+00:00"},
        }
        for pk, sk in ((subscriber_record(sub_id), ITEM), (state_list(CONFIRMED), sub_id)):
            requests.append({"PutRequest": {"Item": {**record, **typed_key(pk, sk)}}})
    for start in range(0, len(requests), 25):
        pending: dict[str, Any] = {table: requests[start : start + 25]}
        while pending:
            pending = dynamodb.batch_write_item(RequestItems=pending).get("UnprocessedItems")
    return ids


class CrashingSES:
    """SES whose worker dies (raises, once) after ``sends`` more successful sends."""

    def __init__(self, ses: Any, sends: int | None = None) -> None:
        self._ses = ses
        self.left = sends
        self.sent: list[tuple[str, bytes]] = []  # (recipient, raw message) SES accepted

    def send_raw_email(self, **params: Any) -> Any:
        """Send, unless this worker is to die now."""
        if self.left is not None:
            if self.left == 0:
                self.left = None  # the redelivery runs on a worker that lives
                raise WorkerKilled("the worker died mid-batch")
            self.left -= 1
        response = self._ses.send_raw_email(**params)
        self.sent.append((params["Destinations"][0], params["RawMessage"]["Data"]))
        return response

    def get_send_quota(self) -> Any:
        """Ask the real SES."""
        return self._ses.get_send_quota()


class WorkerKilled(Exception):
    """Stands for a Lambda killed half-way through a batch."""


def outbox_messages(directory: Path) -> list[EmailMessage]:
    """Return the outbox's .eml files, parsed, oldest first."""
    found = []
    for path in sorted(directory.glob("*.eml")):
        found.append(email.message_from_bytes(path.read_bytes(), policy=default))
    return found  # type: ignore[return-value]
