"""Mail the app sent through the emulator's SES, as moto records it (its data endpoint)."""

from __future__ import annotations

import json
import re
import urllib.request
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any, cast

MAIL_FROM = "blog@example.org"
_LINK = re.compile(r"https?://\S+/(confirm|unsubscribe)/([A-Za-z0-9_-]+)")


def verify_sender(ses: Any) -> None:
    """Verify MAIL_FROM in the emulator's SES, which refuses unverified senders as SES does."""
    ses.verify_email_identity(EmailAddress=MAIL_FROM)


def sent_messages(endpoint: str) -> list[EmailMessage]:
    """Return every raw message SES accepted since the emulator's last reset, oldest first."""
    with urllib.request.urlopen(f"{endpoint}/moto-api/data.json") as response:
        data = json.load(response)
    raw = data.get("ses", {}).get("RawMessage", [])
    return [
        cast(EmailMessage, message_from_bytes(m["raw_data"].encode(), policy=policy.default))
        for m in raw
    ]


def sent_to(endpoint: str, address: str) -> list[EmailMessage]:
    """Return the messages sent to one address."""
    return [m for m in sent_messages(endpoint) if m["To"] == address]


def text_of(message: EmailMessage) -> str:
    """Return a message's plain-text part."""
    part = message.get_body(preferencelist=("plain",))
    assert part is not None, "every mail has a plain-text part"
    return str(part.get_content())


def link_token(message: EmailMessage, kind: str) -> str:
    """Return the token of the first /confirm/ or /unsubscribe/ link in a message's text."""
    for found in _LINK.finditer(text_of(message)):
        if found.group(1) == kind:
            return found.group(2)
    raise AssertionError(f"no {kind} link in the message")
