"""Subscribing, confirming, unsubscribing: the write side the routes call. Imported lazily.

Logs name a subscriber by a prefix of its id, never by its address; an SES error (whose
message can quote the address) is logged by its code alone.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.config import Settings
from chalicelib.mail.outgoing import InvalidMail, send_mail
from chalicelib.storage.subscriber_keys import normalise_address
from chalicelib.storage.subscribers import Subscribers
from chalicelib.subscriptions import forms, pages
from chalicelib.subscriptions.mail import render_confirmation

LOG = logging.getLogger(__name__)
# RFC 8058: the body a mail client POSTs to a List-Unsubscribe URL.
ONE_CLICK_FIELD = "List-Unsubscribe"


def subscribe(
    subscribers: Subscribers, ses: Any, settings: Settings, form: tuple[str, bytes], base_url: str
) -> pages.Outcome:
    """Read the form and mail a confirmation when the limits allow; the same page either way.

    A valid address always gets "check your inbox", whether it was subscribed, pending,
    limited or new, and never sooner than ``subscribe_answer_seconds`` after it came:
    neither the page nor its timing tells whether an address is on the list.
    """
    started = time.monotonic()
    try:
        # Stored and mailed as the record holds it: one inbox, one spelling.
        address = normalise_address(forms.submitted_address(forms.form_fields(*form)))
    except forms.Refused as refused:
        LOG.info("subscribe refused: %s", refused.reason)
        return pages.Outcome(pages.REFUSED, refused.status, refused.reason)
    if not settings.mail_from:
        LOG.error("subscribe: MAIL_FROM is not set, no confirmation can be sent")
    else:
        _request_confirmation(subscribers, ses, settings, address, base_url)
    time.sleep(max(0.0, settings.subscribe_answer_seconds - (time.monotonic() - started)))
    return pages.Outcome(pages.CHECK_INBOX)


def _request_confirmation(
    subscribers: Subscribers, ses: Any, settings: Settings, address: str, base_url: str
) -> None:
    request = subscribers.request_confirmation(address, settings.max_confirmations_per_hour)
    LOG.info("subscribe %s: %s", request.subscriber_id[:12], request.reason)
    if request.reason == "hourly cap":  # the operator should know: readers get no mail
        LOG.warning(
            "MAX_CONFIRMATIONS_PER_HOUR (%d) reached: no confirmation mail until the hour ends",
            settings.max_confirmations_per_hour,
        )
    if request.confirm_token is not None:
        confirm_url = f"{base_url}/confirm/{request.confirm_token}"
        subject, text, html = render_confirmation(settings, confirm_url)
        try:
            send_mail(ses, settings, address, subject, text, html, None)
        except (ClientError, InvalidMail) as exc:
            code = exc.response["Error"]["Code"] if isinstance(exc, ClientError) else "invalid"
            LOG.error("confirmation to %s not sent: %s", request.subscriber_id[:12], code)


def confirm(subscribers: Subscribers, token: str) -> pages.Outcome | None:
    """Confirm by a confirmation link's token; None when no pending subscriber has it."""
    subscriber = subscribers.confirm(token)
    if subscriber is None or subscriber.state != "confirmed":
        return None
    LOG.info("confirmed %s", subscriber.subscriber_id[:12])
    return pages.Outcome(pages.CONFIRMED)


def unsubscribe(subscribers: Subscribers, token: str, body: bytes) -> pages.Outcome | None:
    """Unsubscribe by an unsubscribe link's token (the button, or RFC 8058 one-click)."""
    subscriber = subscribers.unsubscribe(token)
    if subscriber is None:
        return None
    one_click = ONE_CLICK_FIELD.encode() in body[: forms.MAX_FORM_BYTES]
    LOG.info("unsubscribed %s%s", subscriber.subscriber_id[:12], " (one-click)" * one_click)
    return pages.Outcome(pages.UNSUBSCRIBED)
