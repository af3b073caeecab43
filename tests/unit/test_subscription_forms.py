"""The subscribe form's body and address, read strictly; the confirmation mail's rendering."""

from __future__ import annotations

from dataclasses import replace

import pytest

from chalicelib.config import Settings
from chalicelib.i18n import resolve_language
from chalicelib.subscriptions.forms import (
    MAX_FORM_BYTES,
    Refused,
    form_fields,
    submitted_address,
    valid_address,
)
from chalicelib.subscriptions.mail import render_confirmation

FORM = "application/x-www-form-urlencoded"


def refusal(content_type: str, body: bytes) -> tuple[int, str]:
    with pytest.raises(Refused) as refused:
        submitted_address(form_fields(content_type, body))
    return refused.value.status, refused.value.reason


@pytest.mark.parametrize(
    ("content_type", "body", "address"),
    [
        (FORM, b"email=reader%40example.org", "reader@example.org"),
        (FORM + "; charset=UTF-8", b"email=reader%40example.org", "reader@example.org"),
        (FORM, b"email=+reader%40Example.ORG+&submit=", "reader@example.org"),
        (FORM, b"email=a.b%2Btag%40example.org", "a.b+tag@example.org"),
        # An internationalised domain is kept in its ASCII (IDNA) form, which SES takes.
        (FORM, b"email=r%40b%C3%BCcher.example", "r@xn--bcher-kva.example"),
    ],
)
def test_a_plain_address_is_accepted(content_type: str, body: bytes, address: str) -> None:
    assert submitted_address(form_fields(content_type, body)) == address


@pytest.mark.parametrize(
    ("content_type", "body", "expected"),
    [
        (FORM, b"email=" + b"a" * MAX_FORM_BYTES, (413, "too-large")),
        ("application/json", b'{"email": "r@example.org"}', (415, "not-form")),
        ("", b"email=r%40example.org", (415, "not-form")),
        ("multipart/form-data; boundary=x", b"--x--", (415, "not-form")),
        (FORM + "; charset=latin-1", b"email=r%40example.org", (415, "not-form")),
        (FORM, b"email=r%40example.org\xff", (400, "malformed")),
        (FORM, b"email=%FF%40example.org", (400, "malformed")),
        (FORM, b"email", (400, "malformed")),
        (FORM, b"&".join([b"f=1"] * 20), (400, "malformed")),
        (FORM, b"", (400, "missing")),
        (FORM, b"email=+", (400, "missing")),
        (FORM, b"email=a%40example.org&email=b%40example.org", (400, "several")),
    ],
)
def test_hostile_bodies_are_refused_with_their_reason(
    content_type: str, body: bytes, expected: tuple[int, str]
) -> None:
    assert refusal(content_type, body) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("r@example.org\r\nBcc: victim@example.org", "injection"),
        ("r@example.org\nBcc:v@example.org", "injection"),
        ("r@example.org\x00", "injection"),
        ("r@example.org\u2028", "injection"),
        ("r\u200b@example.org", "injection"),
        ("r@example.org, v@example.org", "several"),
        ("r@example.org;v@example.org", "several"),
        ("Reader <r@example.org>", "several"),
        ("r@v@example.org", "several"),
        ("not-an-address", "invalid"),
        ("r@localhost", "invalid"),
        ('"r b"@example.org', "invalid"),
        ("r@[192.0.2.1]", "invalid"),
        ("r..b@example.org", "invalid"),
        ("ré@example.org", "invalid"),  # SES needs an ASCII local part
        ("r@" + "a" * 250 + ".org", "invalid"),
    ],
)
def test_tricks_and_invalid_addresses_are_refused(text: str, reason: str) -> None:
    with pytest.raises(Refused) as refused:
        valid_address(text)
    assert (refused.value.status, refused.value.reason) == (400, reason)


def test_the_confirmation_mail_holds_the_link_in_both_parts_and_is_translated() -> None:
    settings = Settings(table_name="t", bucket_name="b", site_title="Notes & <Things>")
    url = "https://blog.example.org/confirm/abc_DEF-123"
    subject, text, html = render_confirmation(settings, url)
    assert subject == "Confirm your subscription to Notes & <Things>"
    assert url in text and "Notes & <Things>" in text  # plain text: nothing escaped
    assert f'href="{url}"' in html and "Notes &amp; &lt;Things&gt;" in html
    german = replace(settings, language=resolve_language("de"))
    subject_de, text_de, _ = render_confirmation(german, url)
    assert subject_de != subject and url in text_de
