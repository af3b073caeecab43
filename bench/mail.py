"""Measure the new-post mail: N confirmed subscribers through the emulator, one worker killed.

Usage: ``python -m bench.mail --subscribers 10000 --kill-after 1234``. One post is
published through ingest with the announcer; the fan-out and two send workers drain the
queues as Lambda would (a failed batch comes back after its visibility timeout, here 1 s);
one worker dies after ``--kill-after`` sends, mid-batch. Reports mails SES accepted,
duplicates, gaps and the time from publish to the last mail.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3

from bench.blog import Emulator
from devtools.localenv import local_environment

SENDER = "blog@example.com"


class KilledWorker(Exception):
    """The worker died (a Lambda timeout, an out-of-memory kill)."""


class CountingSES:
    """The emulator's SES, counting each accepted mail's recipient; one kill after N sends."""

    def __init__(self, ses: Any, kill_after: int) -> None:
        self._ses = ses
        self._left = kill_after
        self._lock = threading.Lock()
        self.sent: Counter[str] = Counter()

    def send_raw_email(self, **params: Any) -> Any:
        """Send, or die once when the count runs out."""
        with self._lock:
            self._left -= 1
            if self._left == -1:
                raise KilledWorker("killed mid-batch")
        response = self._ses.send_raw_email(**params)
        with self._lock:
            self.sent[params["Destinations"][0]] += 1
        return response

    def get_send_quota(self) -> Any:
        """Ask the emulator."""
        return self._ses.get_send_quota()


def _add_confirmed(dynamodb: Any, table: str, count: int) -> list[str]:
    from chalicelib.storage.keys import ITEM, typed_key
    from chalicelib.storage.subscriber_keys import state_list, subscriber_id, subscriber_record

    addresses = [f"reader{n:05d}@example.org" for n in range(count)]
    requests = []
    for number, address in enumerate(addresses):
        sub_id = subscriber_id(address)
        record = {
            "address": {"S": address},
            "state": {"S": "confirmed"},
            "unsubscribe_token": {"S": f"token{number:08d}abcdefghijkl"},
        }
        for pk, sk in ((subscriber_record(sub_id), ITEM), (state_list("confirmed"), sub_id)):
            requests.append({"PutRequest": {"Item": {**record, **typed_key(pk, sk)}}})
    for start in range(0, len(requests), 25):
        pending: Any = {table: requests[start : start + 25]}
        while pending:
            pending = dynamodb.batch_write_item(RequestItems=pending).get("UnprocessedItems")
    return addresses


def _consume(sqs: Any, url: str, handle: Any, stop: threading.Event, failures: list[str]) -> None:
    while not stop.is_set():
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1).get("Messages", [])
        if not messages:
            stop.wait(0.05)
            continue
        try:
            handle(messages[0]["Body"])
        except Exception as exc:  # noqa: BLE001 - the message comes back, as in Lambda
            failures.append(type(exc).__name__)
            continue
        sqs.delete_message(QueueUrl=url, ReceiptHandle=messages[0]["ReceiptHandle"])


def run(subscribers: int, kill_after: int) -> dict[str, Any]:
    """Publish one post to ``subscribers`` readers; return the figures."""
    from blogctl import mailsetup, provision
    from chalicelib.config import load_settings
    from chalicelib.mail import fanout
    from chalicelib.publishing.ingest import sync_source
    from chalicelib.storage.mailings import Mailings
    from chalicelib.storage.store import BlogStore
    from chalicelib.storage.subscribers import Subscribers

    settings = dataclasses.replace(
        load_settings(), mail_from=SENDER, site_url="https://blog.example", mail_send_rate=10_000
    )
    dynamodb, s3, sqs, ses = (boto3.client(n) for n in ("dynamodb", "s3", "sqs", "ses"))
    provision.ensure_table(dynamodb, settings.table_name)
    provision.ensure_bucket(s3, settings.bucket_name, "us-east-1")
    ses.verify_email_identity(EmailAddress=SENDER)
    mailsetup.ensure_mail_resources(ses, sqs, boto3.client("sns"), settings, visibility=1)
    started = time.monotonic()
    addresses = _add_confirmed(dynamodb, settings.table_name, subscribers)
    loaded = time.monotonic() - started
    store = BlogStore(dynamodb, settings.table_name)
    mailings = Mailings(dynamodb, settings.table_name)
    queues = fanout.queues(sqs, settings)
    subscriber_list = Subscribers(mailings)
    counting = CountingSES(ses, kill_after)
    sender = fanout.Sender(
        ses=counting,
        settings=settings,
        subscribers=subscriber_list,
        mailings=mailings,
        get_post=store.reads.get_post,
        bucket=fanout.TokenBucket(settings.mail_send_rate / 2),
        unsubscribe_url=lambda token: fanout.unsubscribe_url(settings, token),
    )
    date = (datetime.now(UTC) - timedelta(minutes=1)).strftime("%Y-%m-%d %H:%M:%S")
    body = f"---\ntitle: Ten thousand\ndate: {date}\n---\nHello, readers.\n"
    s3.put_object(Bucket=settings.bucket_name, Key="posts/ten-thousand.md", Body=body.encode())
    stop, failures = threading.Event(), list[str]()
    started = time.monotonic()
    announcer = fanout.PostAnnouncer(mailings, queues)
    sync_source("posts/ten-thousand.md", s3, store, settings, announce=announcer)

    def fan(message: str) -> None:
        fanout.fan_out(message, subscriber_list, mailings, queues)

    workers = [
        threading.Thread(target=_consume, args=(sqs, queues.announce_url, fan, stop, failures)),
        *(
            threading.Thread(
                target=_consume, args=(sqs, queues.send_url, sender.send_batch, stop, failures)
            )
            for _ in range(2)
        ),
    ]
    for worker in workers:
        worker.start()
    while sum(counting.sent.values()) < subscribers and time.monotonic() - started < 3600:
        time.sleep(0.2)
    elapsed = time.monotonic() - started
    time.sleep(2)  # anything still in flight would show as a duplicate
    stop.set()
    for worker in workers:
        worker.join()
    sent = sum(counting.sent.values())
    return {
        "subscribers": subscribers,
        "mails sent": sent,
        "duplicates": sum(n - 1 for n in counting.sent.values() if n > 1),
        "gaps": len(set(addresses) - set(counting.sent)),
        "workers killed mid-batch": failures.count("KilledWorker"),
        "seconds to send": round(elapsed, 1),
        "mails a second": round(sent / elapsed, 1),
        "seconds to load the subscribers": round(loaded, 1),
    }


def main() -> None:
    """Start the emulator, run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=10_000)
    parser.add_argument("--kill-after", type=int, default=1_234)
    args = parser.parse_args()
    emulator = Emulator()
    try:
        os.environ.update(local_environment(emulator.endpoint))
        for name, value in run(args.subscribers, args.kill_after).items():
            print(f"{name:>32}: {value}")
    finally:
        emulator.stop()


if __name__ == "__main__":
    main()
