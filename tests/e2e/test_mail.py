"""E2E: the new-post mail through `make run`: publish -> exactly one .eml per subscriber."""

from __future__ import annotations

import re
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest

from tests.helpers.local_stack import LocalStack
from tests.helpers.mail import add_confirmed, outbox_messages
from tests.helpers.posts import make_post_markdown

TABLE = "chalice-blog-local"
BUCKET = "chalice-blog-local-content"
MAIL_QUEUES = ("chalice-blog-mail-announce", "chalice-blog-mail-send")


def _outbox(stack: LocalStack) -> Path:
    return stack.data_dir.parent / "outbox"


def _wait_until_mail_sent(stack: LocalStack, timeout: float = 30) -> None:
    """Wait until S3 events and both mail queues are empty."""
    stack.wait_until_events_drained(timeout)
    sqs = stack.client("sqs")
    urls = [sqs.get_queue_url(QueueName=name)["QueueUrl"] for name in MAIL_QUEUES]
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    deadline = time.monotonic() + timeout
    quiet = 0
    while time.monotonic() < deadline:
        busy = any(
            sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"][name] != "0"
            for url in urls
            for name in names
        )
        quiet = 0 if busy else quiet + 1
        if quiet >= 3:  # a fan-out page may queue the next one between two looks
            return
        time.sleep(0.2)
    raise TimeoutError("mail queues were not drained in time")


def _publish(stack: LocalStack, name: str, date: datetime) -> None:
    body = make_post_markdown(title=f"Mail {name}", date=date.strftime("%Y-%m-%d %H:%M:%S"))
    stack.client("s3").put_object(Bucket=BUCKET, Key=f"posts/{name}.md", Body=body.encode())
    _wait_until_mail_sent(stack)


def _mails_to(stack: LocalStack, address: str) -> list[EmailMessage]:
    return [m for m in outbox_messages(_outbox(stack)) if m["To"] == address]


@pytest.mark.slow
def test_a_published_post_leaves_exactly_one_mail_per_subscriber_in_the_outbox(
    local_stack: LocalStack,
) -> None:
    reader = "e2e-reader@example.org"
    add_confirmed(local_stack.client("dynamodb"), TABLE, [reader])
    now = datetime.now(UTC).replace(microsecond=0)
    _publish(local_stack, "mail-new", now - timedelta(minutes=2))
    (mail,) = _mails_to(local_stack, reader)
    assert mail["Subject"] == "Mail mail-new"
    assert mail["List-Unsubscribe"].startswith(f"<{local_stack.site}/unsubscribe/")
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert [p.get_content_type() for p in mail.iter_parts()] == ["text/plain", "text/html"]
    status, _ = local_stack.get("/" + now.strftime("%Y/%m") + "/mail-new/")
    assert status == 200
    # The same file again (a duplicate event), an edit, and three old posts: nothing more.
    _publish(local_stack, "mail-new", now - timedelta(minutes=2))
    _publish(local_stack, "mail-new", now - timedelta(minutes=1))
    for number in range(3):
        _publish(local_stack, f"mail-old-{number}", now - timedelta(days=30 + number))
    assert len(_mails_to(local_stack, reader)) == 1


def _post(url: str, body: bytes) -> int:
    request = urllib.request.Request(url, data=body, method="POST")
    request.add_header("Content-Type", "application/x-www-form-urlencoded")
    with urllib.request.urlopen(request, timeout=10) as response:
        return int(response.status)


@pytest.mark.slow
def test_subscribe_confirm_publish_then_one_click_unsubscribe(local_stack: LocalStack) -> None:
    reader = "flow-reader@example.org"
    assert _post(f"{local_stack.site}/subscribe", b"email=flow-reader%40example.org") == 200
    _wait_until_mail_sent(local_stack)
    (confirmation,) = _mails_to(local_stack, reader)
    text = confirmation.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    (confirm_url,) = re.findall(r"http://\S+/confirm/\S+", text)
    # Nothing until confirmed: a post now is not mailed to the pending address.
    now = datetime.now(UTC).replace(microsecond=0)
    _publish(local_stack, "flow-before", now - timedelta(minutes=3))
    assert len(_mails_to(local_stack, reader)) == 1
    status, page = local_stack.get(confirm_url.removeprefix(local_stack.site))
    assert status == 200 and "<form" in page  # a GET shows a button and confirms nothing
    assert _post(confirm_url, b"") == 200
    _publish(local_stack, "flow-after", now - timedelta(minutes=2))
    mails = _mails_to(local_stack, reader)
    assert [m["Subject"] for m in mails[1:]] == ["Mail flow-after"]
    (unsubscribe_url,) = re.findall(r"<(.*)>", str(mails[-1]["List-Unsubscribe"]))
    assert mails[-1]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert _post(unsubscribe_url, b"List-Unsubscribe=One-Click") == 200
    _publish(local_stack, "flow-later", now - timedelta(minutes=1))
    assert len(_mails_to(local_stack, reader)) == 2
