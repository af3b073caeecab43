"""The subscribe form's body, read strictly: one address, or the reason it is refused. Pure.

Everything here comes from the outside. A body is refused before any parsing when it is
too large or not a form; a form must hold exactly one ``email`` field; the address must
be one plain address (no display name, no second address, no line break or other
control character that could become a header) and valid by ``email-validator``, which
is imported on the first submission only: pages never pay for it.
"""

from __future__ import annotations

import unicodedata
from urllib.parse import parse_qs

# An address is at most 254 characters; a form with one, percent-encoded, fits easily.
MAX_FORM_BYTES = 4096
FORM_TYPE = "application/x-www-form-urlencoded"
EMAIL_FIELD = "email"
# A browser's form has one field; a few more are tolerated, never thousands.
MAX_FIELDS = 8
_SEVERAL_OR_NAMED = set(",;<>")


class Refused(Exception):
    """A submission refused: the HTTP status and the reason the page explains."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def form_fields(content_type: str, body: bytes) -> dict[str, list[str]]:
    """Parse a urlencoded form body; refuse oversized (413), other types (415), malformed."""
    if len(body) > MAX_FORM_BYTES:
        raise Refused(413, "too-large")
    media, _, params = content_type.partition(";")
    if media.strip().lower() != FORM_TYPE:
        raise Refused(415, "not-form")
    charset = params.strip().lower().removeprefix("charset=").strip('"')
    if charset not in ("", "utf-8"):
        raise Refused(415, "not-form")
    try:
        # A urlencoded body is ASCII: anything else was not sent by a form.
        text = body.decode("ascii")
        return parse_qs(
            text,
            keep_blank_values=True,
            strict_parsing=bool(text),
            encoding="utf-8",
            errors="strict",
            max_num_fields=MAX_FIELDS,
        )
    except (UnicodeDecodeError, ValueError) as exc:
        raise Refused(400, "malformed") from exc


def submitted_address(fields: dict[str, list[str]]) -> str:
    """Return the one address a form submitted, validated and in its ASCII form."""
    values = fields.get(EMAIL_FIELD, [])
    if len(values) > 1:
        raise Refused(400, "several")
    if not values or not values[0].strip():
        raise Refused(400, "missing")
    return valid_address(values[0])


def valid_address(text: str) -> str:
    """Return one plain address, validated; refuse injection tricks, lists, names, invalid."""
    if any(unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp") for char in text):
        raise Refused(400, "injection")
    if _SEVERAL_OR_NAMED & set(text) or text.count("@") > 1:
        raise Refused(400, "several")
    from email_validator import EmailNotValidError, validate_email

    try:
        result = validate_email(
            text.strip(),
            check_deliverability=False,  # no DNS on the request path: fast and offline
            allow_smtputf8=False,  # SES needs an ASCII local part
            allow_quoted_local=False,
            allow_domain_literal=False,
            allow_display_name=False,
        )
    except EmailNotValidError as exc:
        raise Refused(400, "invalid") from exc
    return str(result.ascii_email)
