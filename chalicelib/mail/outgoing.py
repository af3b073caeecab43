"""Outgoing mail: one multipart/alternative message through SES ``send_raw_email``.

Every header is set through the email package's ``default`` policy, which refuses a
value holding a line break (``ValueError``): no subject, address or URL can add a
header. Addresses are parsed as addresses, never pasted into a header as text.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid
from typing import Any

from chalicelib.config import Settings

ONE_CLICK = "List-Unsubscribe=One-Click"
# RFC 5322's hard limit: a long List-Unsubscribe URL stays on its header's line (some
# mail clients read a folded one wrong); an encoded Subject is still folded.
_POLICY = SMTP.clone(max_line_length=998)
_LOOPBACK = ("http://127.0.0.1:", "http://127.0.0.1/", "http://localhost:", "http://localhost/")


class InvalidMail(ValueError):
    """A message that must not be sent: an unusable address, header or URL."""


def build_message(
    settings: Settings,
    to: str,
    subject: str,
    text: str,
    html: str,
    unsubscribe_url: str | None,
) -> EmailMessage:
    """Build the multipart/alternative message (plain text first, HTML preferred)."""
    if not settings.mail_from:
        raise InvalidMail("MAIL_FROM is not set: no address to send from")
    msg = EmailMessage(policy=_POLICY)
    try:
        msg["From"] = _address(settings.mail_from, settings.mail_from_name or settings.site_title)
        msg["To"] = _address(to, "")
        msg["Subject"] = " ".join(subject.split())  # never a line break, however folded
        msg["Date"] = format_datetime(datetime.now(UTC))
        msg["Message-ID"] = make_msgid(domain=settings.mail_from.rpartition("@")[2])
        if unsubscribe_url is not None:
            msg["List-Unsubscribe"] = f"<{_https_url(unsubscribe_url)}>"
            msg["List-Unsubscribe-Post"] = ONE_CLICK
    except (ValueError, TypeError) as exc:
        raise InvalidMail(str(exc)) from exc
    msg.set_content(text, subtype="plain", charset="utf-8", cte="quoted-printable")
    msg.add_alternative(html, subtype="html", charset="utf-8", cte="quoted-printable")
    return msg


def send_mail(
    ses: Any,
    settings: Settings,
    to: str,
    subject: str,
    text: str,
    html: str,
    unsubscribe_url: str | None,
) -> str:
    """Send one message through SES with the configuration set; return SES's message id."""
    msg = build_message(settings, to, subject, text, html, unsubscribe_url)
    params: dict[str, Any] = {
        "Source": settings.mail_from,
        "Destinations": [str(Address(addr_spec=to))],
        "RawMessage": {"Data": msg.as_bytes()},
    }
    if settings.mail_configuration_set:
        params["ConfigurationSetName"] = settings.mail_configuration_set
    return str(ses.send_raw_email(**params)["MessageId"])


def _address(addr_spec: str, display_name: str) -> Address:
    if any(c in addr_spec for c in '\r\n\0<>,;"') or addr_spec.count("@") != 1:
        raise InvalidMail("not one plain e-mail address")
    address = Address(display_name=" ".join(display_name.split()), addr_spec=addr_spec)
    if not address.username or not address.domain:
        raise InvalidMail("not one plain e-mail address")
    return address


def _https_url(url: str) -> str:
    # A URL is printable ASCII without spaces or angle brackets: nothing to escape from.
    # Plain http only for this machine: the local stack has no certificate.
    secure = url.startswith("https://") or url.startswith(_LOOPBACK)
    if not secure or not all(33 <= ord(c) < 127 for c in url):
        raise InvalidMail("List-Unsubscribe must be one https URL")
    if any(c in url for c in '<>"\\'):
        raise InvalidMail("List-Unsubscribe must be one https URL")
    return url
