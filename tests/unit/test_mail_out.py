"""Outgoing mail, pure: message building (headers, no injection, multipart), SES events."""

from __future__ import annotations

import json
from email import message_from_bytes
from email.policy import default
from typing import Any

import pytest

from chalicelib.config import Settings
from chalicelib.mail.fanout import TokenBucket
from chalicelib.mail.feedback import HostileNotification, check_topic, parse_feedback
from chalicelib.mail.outgoing import InvalidMail, build_message

SETTINGS = Settings(
    table_name="t", bucket_name="b", site_title="Notes", mail_from="blog@example.com"
)
URL = "https://blog.example/unsubscribe/abc"


def _parsed(**overrides: Any) -> Any:
    values: dict[str, Any] = {
        "to": "reader@example.org",
        "subject": "Hello",
        "text": "plain ü",
        "html": "<p>html ü</p>",
        "unsubscribe_url": URL,
        **overrides,
    }
    raw = build_message(SETTINGS, **values).as_bytes()
    return message_from_bytes(raw, policy=default)


def test_the_message_is_multipart_alternative_with_one_click_unsubscribe() -> None:
    msg = _parsed()
    assert msg.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in msg.iter_parts()] == ["text/plain", "text/html"]
    assert msg.get_body(("plain",)).get_content().strip() == "plain ü"
    assert msg["From"] == "Notes <blog@example.com>"
    assert msg["List-Unsubscribe"] == f"<{URL}>"
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert msg["Message-ID"].endswith("@example.com>")


def test_without_an_unsubscribe_url_there_are_no_list_headers() -> None:
    msg = _parsed(unsubscribe_url=None)
    assert msg["List-Unsubscribe"] is None and msg["List-Unsubscribe-Post"] is None


@pytest.mark.parametrize(
    "subject", ["Hi\r\nBcc: victim@example.net", "Hi\nBcc: victim@example.net", "Hi\rBcc: x@y.z"]
)
def test_a_subject_cannot_add_a_header(subject: str) -> None:
    msg = _parsed(subject=subject)
    assert msg["Bcc"] is None
    assert "\n" not in msg["Subject"] and "\r" not in msg["Subject"]


@pytest.mark.parametrize(
    "to",
    [
        "reader@example.org\r\nBcc: victim@example.net",
        "reader@example.org, victim@example.net",
        "Reader <reader@example.org>",
        "no-at-sign",
        "a@b@c",
    ],
)
def test_anything_but_one_plain_address_is_refused(to: str) -> None:
    with pytest.raises(InvalidMail):
        build_message(SETTINGS, to, "s", "t", "h", None)


@pytest.mark.parametrize(
    "url",
    [
        "http://blog.example/u",
        "javascript:alert(1)",
        "https://blog.example/u>, <mailto:x@y.z",
        "https://blog.example/u\r\nBcc: x@y.z",
        "https://blog.example/ u",
    ],
)
def test_the_unsubscribe_url_must_be_one_https_url(url: str) -> None:
    with pytest.raises(InvalidMail):
        build_message(SETTINGS, "reader@example.org", "s", "t", "h", url)


def test_a_display_name_with_quotes_and_breaks_stays_in_the_from_header() -> None:
    settings = Settings(
        table_name="t", bucket_name="b", site_title='A "quoted"\r\nBcc: x@y.z', mail_from="b@e.com"
    )
    msg = message_from_bytes(build_message(settings, "r@e.org", "s", "t", "h", None).as_bytes())
    assert msg["Bcc"] is None
    assert msg["From"].endswith("<b@e.com>")


def _event(kind: str, **body: Any) -> str:
    event = {
        "eventType": kind,
        "mail": {"source": "Notes <blog@example.com>", "destination": ["reader@example.org"]},
        **body,
    }
    return json.dumps(event)


def _bounce(bounce_type: str, address: str = "reader@example.org") -> str:
    recipients = [{"emailAddress": address}]
    return _event("Bounce", bounce={"bounceType": bounce_type, "bouncedRecipients": recipients})


def test_a_hard_bounce_or_a_complaint_suppresses_the_recipient() -> None:
    assert parse_feedback(_bounce("Permanent"), SETTINGS).suppress == ("reader@example.org",)
    complaint = {"complainedRecipients": [{"emailAddress": "Reader@Example.org"}]}
    found = parse_feedback(_event("Complaint", complaint=complaint), SETTINGS)
    assert found.suppress == ("reader@example.org",)


@pytest.mark.parametrize("bounce_type", ["Transient", "Undetermined"])
def test_a_soft_bounce_suppresses_nobody(bounce_type: str) -> None:
    assert parse_feedback(_bounce(bounce_type), SETTINGS).suppress == ()


def test_deliveries_and_other_events_are_ignored() -> None:
    assert parse_feedback(_event("Delivery"), SETTINGS).kind == "ignored"


@pytest.mark.parametrize(
    "message",
    [
        "not json",
        "[]",
        _bounce("Permanent", address="someone-else@example.org"),  # not who it was sent to
        _bounce("Sideways"),
        _event("Bounce", bounce={"bounceType": "Permanent", "bouncedRecipients": "x@y.z"}),
        json.dumps({"eventType": "Bounce", "bounce": {}, "mail": {"source": "evil@example.net"}}),
        _event("Complaint", complaint={"complainedRecipients": [{"emailAddress": ["x"]}]}),
        "x" * 300_000,
        "[" * 100_000,  # nesting made to exhaust the parser's recursion
        _bounce("Permanent").replace("blog@example.com", "blog@example.com.evil.net"),
        _bounce("Permanent").replace("blog@example.com", "attacker-blog@example.com"),
        _bounce("Permanent", address="reader\udc80@example.org"),
    ],
)
def test_a_hostile_notification_is_refused(message: str) -> None:
    with pytest.raises(HostileNotification):
        parse_feedback(message, SETTINGS)


def test_only_the_stages_topic_is_trusted() -> None:
    check_topic("arn:aws:sns:us-east-1:123456789012:chalice-blog-mail-events", SETTINGS)
    for arn in ("arn:aws:sns:us-east-1:1:other-topic", "chalice-blog-mail-events", ""):
        with pytest.raises(HostileNotification):
            check_topic(arn, SETTINGS)


def test_the_token_bucket_keeps_to_its_rate() -> None:
    now = [0.0]

    def sleep(seconds: float) -> None:
        now[0] += seconds

    bucket = TokenBucket(10, clock=lambda: now[0], sleep=sleep)
    for _ in range(100):
        bucket.take()
    assert 9.8 <= now[0] <= 10.0  # 100 sends at 10 a second: about ten seconds
