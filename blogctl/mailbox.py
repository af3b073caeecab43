"""`blogctl drop-mail`: put a message in the inbox as SES would."""

from __future__ import annotations

import email
import email.policy
import uuid
from typing import Any

from chalicelib.bucket import INBOX_PREFIX
from chalicelib.config import Settings


def drop_mail(settings: Settings, s3: Any, message: bytes, as_ses: bool) -> str:
    """Put a raw message in the inbox as SES would; return its key."""
    if as_ses:
        message = stamp_ses_verdicts(message)
    key = f"{INBOX_PREFIX}{uuid.uuid4().hex}"
    s3.put_object(Bucket=settings.bucket_name, Key=key, Body=message)
    return key


def stamp_ses_verdicts(message: bytes) -> bytes:
    """Prepend the verdict headers SES adds on receipt, all passing (local trials only)."""
    parsed = email.message_from_bytes(message, policy=email.policy.default)
    addresses = getattr(parsed.get("From"), "addresses", ())
    domain = str(addresses[0].domain) if addresses else "localhost"
    stamp = (
        "X-SES-Spam-Verdict: PASS\r\n"
        "X-SES-Virus-Verdict: PASS\r\n"
        f"Authentication-Results: amazonses.com; spf=pass; dkim=pass header.i=@{domain}; "
        f"dmarc=pass header.from={domain};\r\n"
    )
    return stamp.encode() + message
