"""Bounces and complaints from SES (configuration set → SNS → Lambda). Pure parsing.

The SNS message is treated as hostile text: only a JSON object shaped as SES writes its
events is read, and only addresses this blog sent to are suppressed. In AWS the trust
boundary is the Lambda's SNS subscription (only the topic's publishers, SES through the
topic policy, can invoke it); the topic check here guards against a mis-wired trigger.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

from chalicelib.config import Settings
from chalicelib.storage.subscriber_keys import subscriber_id

LOG = logging.getLogger(__name__)

MAX_MESSAGE_CHARS = 256 * 1024  # SNS's own limit
MAX_RECIPIENTS = 50  # SES's per-message limit
PERMANENT = "Permanent"


class HostileNotification(ValueError):
    """A message that is not an SES event as SES writes it."""


@dataclass(frozen=True)
class Feedback:
    """What an SES event asks of the list: which addresses to suppress, and why."""

    kind: str  # "bounce", "complaint" or "ignored"
    suppress: tuple[str, ...] = ()
    detail: str = ""


def check_topic(topic_arn: str, settings: Settings) -> None:
    """Require the notification to come from this stage's mail-events topic."""
    parts = topic_arn.split(":")
    if (
        len(parts) != 6
        or parts[:3] != ["arn", "aws", "sns"]
        or parts[5] != settings.mail_events_topic
    ):
        raise HostileNotification("not this blog's mail-events topic")


def parse_feedback(message: str, settings: Settings) -> Feedback:
    """Read one SES event (a Bounce or Complaint suppresses; anything else is ignored)."""
    if len(message) > MAX_MESSAGE_CHARS:
        raise HostileNotification("message over SNS's size limit")
    try:
        event = json.loads(message)
    except (ValueError, RecursionError) as exc:  # RecursionError: nesting made to crash us
        raise HostileNotification("not JSON") from exc
    if not isinstance(event, dict):
        raise HostileNotification("not a JSON object")
    # Event publishing (configuration sets) writes eventType; identity notifications
    # notificationType.
    kind = event.get("eventType", event.get("notificationType"))
    if kind not in ("Bounce", "Complaint"):
        return Feedback("ignored", detail=str(kind)[:40])
    sent_to = _mail_destinations(event.get("mail"), settings)
    if kind == "Bounce":
        bounce = _object(event.get("bounce"), "bounce")
        bounce_type = bounce.get("bounceType")
        if bounce_type not in ("Permanent", "Transient", "Undetermined"):
            raise HostileNotification("unknown bounceType")
        recipients = _recipients(bounce.get("bouncedRecipients"), sent_to)
        if bounce_type != PERMANENT:
            # SES retries soft bounces itself; one never suppresses anybody.
            return Feedback("bounce", (), f"{bounce_type}: nothing suppressed")
        return Feedback("bounce", recipients, PERMANENT)
    complaint = _object(event.get("complaint"), "complaint")
    recipients = _recipients(complaint.get("complainedRecipients"), sent_to)
    return Feedback("complaint", recipients, "complaint")


def _object(value: Any, name: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise HostileNotification(f"{name} is not an object")
    return value


def _mail_destinations(value: Any, settings: Settings) -> frozenset[str]:
    mail = _object(value, "mail")
    source, destinations = mail.get("source"), mail.get("destination")
    # SES writes the source as the From header gave it ("Name <addr>"): its address only.
    if not isinstance(source, str) or _address(source) != settings.mail_from.lower():
        raise HostileNotification("not a mail this blog sent")
    if not isinstance(destinations, list) or not 0 < len(destinations) <= MAX_RECIPIENTS:
        raise HostileNotification("mail.destination is not a list of recipients")
    return frozenset(_address(d) for d in destinations)


def _recipients(value: Any, sent_to: frozenset[str]) -> tuple[str, ...]:
    if not isinstance(value, list) or not 0 < len(value) <= MAX_RECIPIENTS:
        raise HostileNotification("recipients are not a list of up to 50")
    found = []
    for recipient in value:
        address = _address(_object(recipient, "recipient").get("emailAddress"))
        if address not in sent_to:
            raise HostileNotification("a recipient the mail was not sent to")
        found.append(address)
    return tuple(found)


def _address(value: Any) -> str:
    if not isinstance(value, str) or len(value) > 320:
        raise HostileNotification("an address that is not a string")
    # SES may write "Name <addr>" in mail.destination; the address is what counts.
    address = value.rpartition("<")[2].rstrip(">").strip().lower()
    if address.count("@") != 1 or any(c.isspace() or c in '<>,;"\\' for c in address):
        raise HostileNotification("not one e-mail address")
    if not address.isprintable() or any(0xD800 <= ord(c) <= 0xDFFF for c in address):
        raise HostileNotification("not one e-mail address")
    return address


def handle(topic_arn: str, message: str, subscribers: Any, settings: Settings) -> Feedback:
    """Check and read one notification, and suppress what it asks; log ids, never addresses."""
    try:
        check_topic(topic_arn, settings)
        found = parse_feedback(message, settings)
    except HostileNotification as exc:
        # Dropped, not retried: no retry turns it into an SES event.
        LOG.warning("mail notification refused: %s", exc)
        return Feedback("refused", detail=str(exc))
    for address in found.suppress:
        subscribers.suppress(address, found.kind)
        sub_id = subscriber_id(address)
        LOG.info(json.dumps({"event": "suppressed", "subscriber": sub_id[:12], "why": found.kind}))
    if found.kind != "ignored" and not found.suppress:
        LOG.info(json.dumps({"event": found.kind, "detail": found.detail}))
    return found
