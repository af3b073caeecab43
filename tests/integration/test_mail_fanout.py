"""The new-post mail against the emulator: announce once, fan out, each mail exactly once."""

from __future__ import annotations

import dataclasses
import email
import json
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.policy import default
from typing import Any

import boto3
import pytest

from blogctl import mailsetup
from chalicelib.config import Settings
from chalicelib.mail import fanout
from chalicelib.publishing.ingest import publish_due_posts, sync_source
from chalicelib.storage.mailings import Mailings
from chalicelib.storage.store import BlogStore
from chalicelib.storage.subscribers import Subscribers
from tests.helpers.local import BUCKET_NAME, TABLE_NAME
from tests.helpers.mail import CrashingSES, WorkerKilled, add_confirmed
from tests.helpers.posts import make_post_markdown

SENDER = "blog@example.com"


@pytest.fixture
def mail(aws_resources: dict[str, Any], settings: Settings) -> dict[str, Any]:
    """Queues (redelivered at once), a verified sender and mail settings on the emulator."""
    sqs, ses = boto3.client("sqs"), boto3.client("ses")
    ses.verify_email_identity(EmailAddress=SENDER)
    mail_settings = dataclasses.replace(
        settings, mail_from=SENDER, site_url="https://blog.example", mail_send_rate=1000.0
    )
    mailsetup.ensure_mail_resources(ses, sqs, boto3.client("sns"), mail_settings, visibility=0)
    mailings = Mailings(aws_resources["dynamodb"], TABLE_NAME)
    return {
        "sqs": sqs,
        "ses": ses,
        "settings": mail_settings,
        "mailings": mailings,
        "queues": fanout.queues(sqs, mail_settings),
        "subscribers": Subscribers(mailings),
    }


def _drain(sqs: Any, url: str, handle: Callable[[str], object]) -> int:
    """Deliver a queue's messages until it is empty; a raising handler leaves its message."""
    failures = 0
    while True:
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        if not messages:
            return failures
        for message in messages:
            try:
                handle(message["Body"])
            except WorkerKilled:
                failures += 1
                continue
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


def _sender(mail: dict[str, Any], ses: Any, store: BlogStore) -> fanout.Sender:
    return fanout.Sender(
        ses=ses,
        settings=mail["settings"],
        subscribers=mail["subscribers"],
        mailings=mail["mailings"],
        get_post=store.reads.get_post,
        bucket=fanout.TokenBucket(1000),
        unsubscribe_url=lambda token: fanout.unsubscribe_url(mail["settings"], token),
    )


def _publish(s3: Any, store: BlogStore, mail: dict[str, Any], name: str, date: datetime) -> str:
    body = make_post_markdown(title=f"Post {name}", date=date.strftime("%Y-%m-%d %H:%M:%S"))
    s3.put_object(Bucket=BUCKET_NAME, Key=f"posts/{name}.md", Body=body.encode())
    announce = fanout.PostAnnouncer(mail["mailings"], mail["queues"])
    return sync_source(f"posts/{name}.md", s3, store, mail["settings"], announce=announce)


def _run_fan_out(mail: dict[str, Any], ses: Any, store: BlogStore) -> int:
    queues = mail["queues"]
    _drain(
        mail["sqs"],
        queues.announce_url,
        lambda body: fanout.fan_out(body, mail["subscribers"], mail["mailings"], queues),
    )
    return _drain(mail["sqs"], queues.send_url, _sender(mail, ses, store).send_batch)


def test_a_new_post_is_mailed_once_to_each_subscriber_despite_a_worker_killed_mid_batch(
    mail: dict[str, Any], store: BlogStore, s3: Any
) -> None:
    addresses = [f"reader{n}@example.org" for n in range(120)]
    add_confirmed(store.table.client, TABLE_NAME, addresses)
    now = datetime.now(UTC).replace(microsecond=0)
    assert _publish(s3, store, mail, "fresh", now - timedelta(minutes=5)) == "published"
    # Dies after 30 sends: in the first batch of 50, mid-way.
    ses = CrashingSES(mail["ses"], sends=30)
    assert _run_fan_out(mail, ses, store) == 1  # one batch failed, and was delivered again
    counts = Counter(to for to, _ in ses.sent)
    assert set(counts) == set(addresses), "gaps"
    assert max(counts.values()) == 1, "duplicates"
    post_id = store.reads.all_posts("LIST#all").__next__().post_id
    assert set(mail["mailings"].sends(post_id).values()) == {"sent"}


def test_updates_duplicates_and_old_posts_send_nothing(
    mail: dict[str, Any], store: BlogStore, s3: Any
) -> None:
    add_confirmed(store.table.client, TABLE_NAME, ["one@example.org"])
    now = datetime.now(UTC).replace(microsecond=0)
    ses = CrashingSES(mail["ses"])
    _publish(s3, store, mail, "fresh", now - timedelta(hours=1))
    _run_fan_out(mail, ses, store)
    assert len(ses.sent) == 1
    # The same event again, an edit of the post, a forced rebuild, and an old post.
    announce = fanout.PostAnnouncer(mail["mailings"], mail["queues"])
    assert sync_source("posts/fresh.md", s3, store, mail["settings"], announce=announce) == (
        "unchanged"
    )
    _publish(s3, store, mail, "fresh", now - timedelta(minutes=50))
    sync_source("posts/fresh.md", s3, store, mail["settings"], force=True, announce=announce)
    _publish(s3, store, mail, "imported", now - timedelta(days=3))
    _run_fan_out(mail, ses, store)
    assert len(ses.sent) == 1
    # A rebuild from an emptied table publishes the post as new (revision 1) again.
    store.maintenance.wipe()
    assert sync_source("posts/fresh.md", s3, store, mail["settings"], announce=announce) == (
        "published"
    )
    _run_fan_out(mail, ses, store)
    assert len(ses.sent) == 1


def test_the_mail_is_multipart_with_one_click_unsubscribe(
    mail: dict[str, Any], store: BlogStore, s3: Any
) -> None:
    add_confirmed(store.table.client, TABLE_NAME, ["one@example.org"])
    ses = CrashingSES(mail["ses"])
    _publish(s3, store, mail, "fresh", datetime.now(UTC) - timedelta(minutes=1))
    _run_fan_out(mail, ses, store)
    ((to, raw),) = ses.sent
    msg = email.message_from_bytes(raw, policy=default)
    assert to == msg["To"] == "one@example.org"
    assert msg["Subject"] == "Post fresh"
    assert msg["List-Unsubscribe"] == "<https://blog.example/unsubscribe/token00000000abcdefghijkl>"
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert msg.get_content_type() == "multipart/alternative"
    parts = [part.get_content_type() for part in msg.iter_parts()]  # type: ignore[attr-defined]
    assert parts == ["text/plain", "text/html"]
    text = msg.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "https://blog.example/" in text and "Post fresh" in text
    # Each line of the footer on a line of its own.
    assert "\nUnsubscribe: https://blog.example/unsubscribe/" in text


def test_a_crash_before_the_fan_out_started_is_queued_again_by_reconcile(
    mail: dict[str, Any], store: BlogStore, s3: Any
) -> None:
    now = datetime.now(UTC)
    mailings: Mailings = mail["mailings"]
    # The announcement was recorded, but its message was lost (a crash before SendMessage).
    assert mailings.claim_announcement("posts/lost.md", "2026/01/lost", now - timedelta(hours=1))
    assert fanout.requeue_stalled(mailings, mail["queues"], now) == 1
    bodies = mail["sqs"].receive_message(QueueUrl=mail["queues"].announce_url)["Messages"]
    assert json.loads(bodies[0]["Body"]) == {
        "source_key": "posts/lost.md",
        "post_id": "2026/01/lost",
    }
    # Once the fan-out has started, reconcile leaves it alone.
    mailings.mark_started("posts/lost.md")
    assert fanout.requeue_stalled(mailings, mail["queues"], now) == 0


def test_a_scheduled_post_is_mailed_once_when_it_comes_due(
    mail: dict[str, Any], store: BlogStore, s3: Any
) -> None:
    add_confirmed(store.table.client, TABLE_NAME, ["one@example.org"])
    ses = CrashingSES(mail["ses"])
    due = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=10)
    assert _publish(s3, store, mail, "later", due) == "scheduled"
    _run_fan_out(mail, ses, store)
    assert ses.sent == []  # nothing before its time
    announce = fanout.PostAnnouncer(mail["mailings"], mail["queues"])
    after = due + timedelta(minutes=1)
    assert publish_due_posts(s3, store, mail["settings"], after, announce) == 1
    assert publish_due_posts(s3, store, mail["settings"], after, announce) == 0
    _run_fan_out(mail, ses, store)
    assert [to for to, _ in ses.sent] == ["one@example.org"]
