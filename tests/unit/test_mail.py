"""Pure mail parsing: subjects, bodies, senders, attachments and the post file."""

from __future__ import annotations

import json
from dataclasses import replace
from email.message import EmailMessage

import pytest
import yaml

from chalicelib.config import Settings
from chalicelib.mail.message import (
    MailRejected,
    clean_plain_text,
    parse_mail,
    post_document,
    split_subject,
)
from tests.helpers.local import FIXTURES

MAIL = FIXTURES.parent / "corpus" / "mail"
MANIFEST = json.loads((MAIL / "manifest.json").read_text(encoding="utf-8"))
SENDERS = frozenset(
    {"alice@example.com", "bob@example.org", "carol@example.com", "yuki@example.jp"}
)
SETTINGS = Settings(table_name="t", bucket_name="b", mail_allowed_senders=SENDERS)
SES_PASS = (
    "amazonses.com; spf=pass (spfCheck: ok) client-ip=192.0.2.1; envelope-from=alice@example.com;"
    " dkim=pass header.i=@example.com; dmarc=pass header.from=example.com;"
)


def message(body: str = "Hello.\n", **headers: str) -> bytes:
    msg = EmailMessage()
    defaults = {
        "X-SES-Spam-Verdict": "PASS",
        "X-SES-Virus-Verdict": "PASS",
        "Authentication-Results": SES_PASS,
        "From": "Alice <alice@example.com>",
        "To": "post@blog.example.net",
        "Subject": "Hello",
        "Date": "Sat, 21 Nov 2026 09:00:00 +0000",
        "Message-ID": "<m1@example.com>",
    }
    for name, value in {**defaults, **headers}.items():
        if value:
            msg[name] = value
    msg.set_content(body)
    return msg.as_bytes()


@pytest.mark.parametrize(
    "entry", [e for e in MANIFEST if e["expect"] == "posted"], ids=lambda e: e["file"]
)
def test_corpus_messages_parse(entry: dict[str, object]) -> None:
    mail = parse_mail((MAIL / str(entry["file"])).read_bytes(), SETTINGS)
    assert mail.title == entry["title"]
    assert list(mail.tags) == entry.get("tags", [])
    document = post_document(mail, "slug", "0123456789ab")
    assert str(entry["body"]).split(" <")[0] in document
    if "absent" in entry:
        assert str(entry["absent"]) not in document


@pytest.mark.parametrize(
    "entry", [e for e in MANIFEST if e["expect"] == "rejected"], ids=lambda e: e["file"]
)
def test_corpus_messages_are_rejected(entry: dict[str, str]) -> None:
    with pytest.raises(MailRejected, match=entry["reason"]):
        parse_mail((MAIL / entry["file"]).read_bytes(), SETTINGS)


@pytest.mark.parametrize(
    ("subject", "title", "tags"),
    [
        ("Weekend ((tags: travel, food))", "Weekend", ("travel", "food")),
        ("((tag: one)) First", "First", ("one",)),
        ("No tags here", "No tags here", ()),
        ("Empty ((tags: ))", "Empty", ()),
    ],
)
def test_subject_tags_the_posterous_way(subject: str, title: str, tags: tuple[str, ...]) -> None:
    assert split_subject(subject) == (title, tags)


def test_plain_text_cuts_signature_quotes_and_footers() -> None:
    text = "Tags: a, b\n\nBody line.\n\nSent from my iPhone\n\n-- \nSig\n> quoted\n"
    assert clean_plain_text(text) == ("Body line.\n", ("a", "b"))
    reply = "Answer.\n\nOn Mon, 1 Jan 2026, Bob wrote:\n> question\n"
    assert clean_plain_text(reply)[0] == "Answer.\n"


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({"X-SES-Virus-Verdict": "FAIL"}, "X-SES-Virus-Verdict is FAIL"),
        ({"X-SES-Spam-Verdict": ""}, "X-SES-Spam-Verdict is missing"),
        ({"Authentication-Results": ""}, "lacks the Authentication-Results"),
        ({"Authentication-Results": "mx.attacker.example; dkim=pass; dmarc=pass"}, "lacks"),
        (
            {
                "Authentication-Results": "amazonses.com; spf=pass; "
                "dkim=pass header.i=@other.example;"
            },
            "could not be authenticated",
        ),
        ({"From": "a@example.com, alice@example.com"}, "exactly one valid address"),
        ({"From": "ALICE@EXAMPLE.COM"}, None),
    ],
)
def test_sender_checks(headers: dict[str, str], reason: str | None) -> None:
    raw = message(**headers)
    if reason is None:
        assert parse_mail(raw, SETTINGS).sender == "alice@example.com"
    else:
        with pytest.raises(MailRejected, match=reason):
            parse_mail(raw, SETTINGS)


def test_a_subdomain_sender_is_authenticated_by_its_dmarc_pass() -> None:
    # DMARC's relaxed alignment accepts the parent domain's signature; SES reports it
    # as dmarc=pass for the From domain, which is the verdict that counts.
    results = "amazonses.com; spf=fail; dkim=pass header.d=example.com;"
    results += " dmarc=pass header.from=mail.example.com;"
    raw = message(From="alice@mail.example.com", **{"Authentication-Results": results})
    settings = replace(SETTINGS, mail_allowed_senders=frozenset({"alice@mail.example.com"}))
    assert parse_mail(raw, settings).sender == "alice@mail.example.com"


def nested_multiparts(depth: int) -> bytes:
    """A message whose body is ``depth`` multiparts, each inside the previous one."""
    opening = "".join(
        f"Content-Type: multipart/mixed; boundary=b{i}\n\n--b{i}\n" for i in range(depth)
    )
    closing = "".join(f"\n--b{i}--\n" for i in reversed(range(depth)))
    return opening + "Content-Type: text/plain\n\nHi." + closing


def headers_of(raw: bytes) -> str:
    return raw.decode().split("\n\n", 1)[0].replace("Content-Type", "X-Was-Content-Type")


@pytest.mark.parametrize("sender", ["alice@example.com", "mallory@attacker.example"])
def test_deeply_nested_message_is_rejected_not_crashed(sender: str) -> None:
    raw = f"{headers_of(message(From=sender))}\nMIME-Version: 1.0\n{nested_multiparts(1000)}"
    assert 60_000 < len(raw) < 80_000
    expected = "more than 100 MIME parts" if sender.startswith("alice") else "allowed senders"
    with pytest.raises(MailRejected, match=expected):
        parse_mail(raw.encode(), SETTINGS)


def test_moderately_nested_message_is_rejected_for_its_depth() -> None:
    raw = f"{headers_of(message())}\nMIME-Version: 1.0\n{nested_multiparts(12)}"
    with pytest.raises(MailRejected, match="13 deep; at most 10"):
        parse_mail(raw.encode(), SETTINGS)


def test_a_million_empty_parts_are_rejected_early() -> None:
    parts = b"--p\r\n\r\n\r\n" * 1_100_000
    head = headers_of(message()).encode()
    raw = head + b"\nContent-Type: multipart/mixed; boundary=p\n\n" + parts + b"--p--\n"
    assert 9_900_000 < len(raw) < 10_000_000
    with pytest.raises(MailRejected, match="more than 100 MIME parts"):
        parse_mail(raw, SETTINGS)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        # Python's address parser took 32 s on this From.
        (b"From: alice@example.com " + b"(a)" * 40_000 + b"\r\n\r\nx", "over 64000 bytes"),
        (b"From: alice@example.com " + b"(a)" * 2_000 + b"\r\n\r\nx", "over 1000 characters"),
        (b"X-A: b\r\n" * 100_000 + b"\r\nx", "headers are over 64000 bytes"),
        (b"X-A: b\r\n" * 300 + b"From: alice@example.com\r\n\r\nx", "301 headers"),
    ],
)
def test_hostile_header_blocks_are_rejected_before_parsing(raw: bytes, reason: str) -> None:
    with pytest.raises(MailRejected, match=reason):
        parse_mail(raw, SETTINGS)


def test_an_encoded_word_in_the_from_address_is_rejected() -> None:
    raw = message().replace(b"<alice@example.com>", b"<alice@=?utf-8?q?example.com?=>")
    with pytest.raises(MailRejected, match="exactly one valid address"):
        parse_mail(raw, SETTINGS)


def test_an_encoded_word_in_ses_verdicts_is_never_decoded() -> None:
    forged = (
        "amazonses.com; spf=none client-ip=198.51.100.7;"
        " envelope-from==?utf-8?q?x=3B_dkim=3Dpass_header.d=3Dexample.com=3B?=@attacker.example;"
        " helo=mx.attacker.example; dkim=none; dmarc=fail header.from=example.com;"
    )
    raw = (
        "X-SES-Spam-Verdict: PASS\r\nX-SES-Virus-Verdict: PASS\r\n"
        f"Authentication-Results: {forged}\r\nDKIM-Signature: v=1; d=example.com; s=k\r\n"
        "From: alice@example.com\r\nSubject: Hi\r\n\r\nHello.\r\n"
    ).encode()
    with pytest.raises(MailRejected, match="encoded-word"):
        parse_mail(raw, SETTINGS)


@pytest.mark.parametrize("header", ["Subject", "Date", "Message-ID", "Content-Type"])
def test_a_repeated_single_header_is_rejected(header: str) -> None:
    # Prepended to a genuine signed message, it would change the post without
    # breaking the signature, which covers the last copy.
    raw = f"{header}: text/html\r\n".encode() + message()
    with pytest.raises(MailRejected, match=f"more than one {header} header"):
        parse_mail(raw, SETTINGS)


def test_an_html_body_is_found_in_linear_time() -> None:
    raw = message(body="<body" * 300_000).replace(b"text/plain", b"text/html")
    assert parse_mail(raw, replace(SETTINGS, max_mail_bytes=5_000_000)).body_is_html


def test_any_parse_failure_is_a_rejection() -> None:
    # The standard library's header parser raises IndexError on this Message-ID.
    with pytest.raises(MailRejected, match="cannot be read: IndexError"):
        parse_mail(message().replace(b"<m1@example.com>", b"<"), SETTINGS)


def test_secret_token_in_recipient_is_required_when_set() -> None:
    settings = replace(SETTINGS, mail_secret_token="s3cr3t")
    with pytest.raises(MailRejected, match="secret posting token"):
        parse_mail(message(To="post+wrong@blog.example.net"), settings)
    assert parse_mail(message(To="post+s3cr3t@blog.example.net"), settings).title == "Hello"


def test_size_limits() -> None:
    with pytest.raises(MailRejected, match="the limit is 100"):
        parse_mail(message("x" * 200), replace(SETTINGS, max_mail_bytes=100))
    msg = EmailMessage()
    msg.set_content("see attached")
    msg.add_attachment(b"\x89PNG" + b"0" * 100, maintype="image", subtype="png", filename="a.png")
    for name, value in (("X-SES-Spam-Verdict", "PASS"), ("X-SES-Virus-Verdict", "PASS")):
        msg[name] = value
    msg["Authentication-Results"] = SES_PASS
    msg["From"] = "alice@example.com"
    with pytest.raises(MailRejected, match="larger than 50 bytes"):
        parse_mail(msg.as_bytes(), replace(SETTINGS, max_attachment_bytes=50))


def test_post_document_is_front_matter_plus_relative_media_links() -> None:
    raw = (MAIL / "outlook-two-attachments.eml").read_bytes()
    document = post_document(parse_mail(raw, SETTINGS), "q3", "0123456789ab")
    _, front, body = document.split("---\n", 2)
    assert yaml.safe_load(front) == {
        "title": "Q3 report and offsite photo",
        "slug": "q3",
        "via": "email",
        "date": "2026-11-24T14:45:30+01:00",
        "tags": ["work", "reports"],
    }
    assert "![team-photo.png](../../../media/0123456789ab/team-photo.png)" in body
    assert (
        "- [quarterly-report-q3.pdf](../../../media/0123456789ab/quarterly-report-q3.pdf)" in body
    )
