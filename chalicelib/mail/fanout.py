"""The new-post mail's way out: announce once, fan out by pages, send each mail once.

1. ``announce_post`` (at a post's first publication): a conditional put of the post's
   ``ANNOUNCED`` item, then one message on the announce queue.
2. ``fan_out`` (announce queue): one page of confirmed subscribers becomes one message on
   the send queue, and the next page's cursor a message of its own on the announce queue:
   a crash repeats one page at most, and sends dedupe it.
3. ``send_batch`` (send queue): per subscriber, claim ``SENT#post``/subscriber, call SES,
   commit the claim. A redelivered batch skips what was sent and sends the rest.

The window left: SES accepted a mail and the worker died before its commit. The claim
then goes stale after ``SEND_LEASE`` and the mail is sent again. That side (at least
once) was chosen because the window is one SES round trip, a duplicate is visible and
rare, while the other side (skip a stale claim) would silently drop the post for a reader.
"""

from __future__ import annotations

import functools
import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from botocore.exceptions import ClientError

from chalicelib.config import MAIL_SEND_WORKERS, Settings
from chalicelib.mail.newpost import render_post_mail
from chalicelib.mail.outgoing import InvalidMail, send_mail
from chalicelib.models import Post, StoredPost
from chalicelib.storage.mailings import Mailings
from chalicelib.storage.reads import ReadStore

LOG = logging.getLogger(__name__)
# Posts dated more than this before their first publication (imports) are never mailed.
ANNOUNCE_WINDOW = timedelta(days=1)
PAGE_SIZE = 50
# Longer than one SES call with its retries: a claim older than this is a dead worker's.
SEND_LEASE = timedelta(minutes=5)
# Queued announcements whose fan-out has not started after this are queued again.
STALLED_AFTER = timedelta(minutes=15)


class SubscriberLike(Protocol):
    """What sending reads of a subscriber (chalicelib.storage.subscribers.Subscriber)."""

    subscriber_id: str
    address: str
    state: str
    unsubscribe_token: str


class SubscriberSource(Protocol):
    """The confirmed subscribers, page by page (chalicelib.storage.subscribers.Subscribers)."""

    def confirmed(
        self, start: str | None, limit: int
    ) -> tuple[list[Any], str | None]: ...  # pragma: no cover - a protocol

    def get(self, subscriber_id: str) -> Any: ...  # pragma: no cover - a protocol


class SendInProgress(Exception):
    """Another worker holds a fresh claim on a mail of this batch: retry the batch later."""


@dataclass(frozen=True)
class Queues:
    """The SQS client and the two queues' URLs."""

    sqs: Any
    announce_url: str
    send_url: str

    def put(self, url: str, body: dict[str, Any]) -> None:
        """Send one message."""
        self.sqs.send_message(QueueUrl=url, MessageBody=json.dumps(body))


class TokenBucket:
    """Allow ``rate`` sends a second on average, in bursts of at most ``rate`` (one worker)."""

    def __init__(
        self,
        rate: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.rate = max(rate, 0.001)
        self._capacity = max(self.rate, 1.0)
        self._tokens = 1.0
        self._clock, self._sleep = clock, sleep
        self._last = clock()
        self._lock = threading.Lock()

    def take(self) -> None:
        """Wait until a send is allowed, then use it."""
        with self._lock:
            now = self._clock()
            self._tokens = min(self._capacity, self._tokens + (now - self._last) * self.rate)
            self._last = now
            if self._tokens < 1:
                self._sleep((1 - self._tokens) / self.rate)
                self._last = self._clock()
                self._tokens = 1.0
            self._tokens -= 1


def send_rate(ses: Any, settings: Settings) -> float:
    """Return the mails a second to send at: the setting, else the account's MaxSendRate."""
    if settings.mail_send_rate > 0:
        return settings.mail_send_rate
    return float(ses.get_send_quota()["MaxSendRate"])


def announce_post(
    mailings: Mailings,
    queues: Queues,
    source_key: str,
    post_id: str,
    published: datetime,
    now: datetime,
) -> bool:
    """Queue a post's announcement once, if it is recent; True when it was queued now."""
    if now - published > ANNOUNCE_WINDOW:
        return False
    if not mailings.claim_announcement(source_key, post_id, now):
        found = mailings.announcement(source_key)
        # Claimed by an earlier attempt that may have died before queueing: queue again
        # while the fan-out has not started (a repeated announcement sends nothing twice).
        if found is None or found.state != "queued" or found.post_id != post_id:
            return False
    queues.put(queues.announce_url, {"source_key": source_key, "post_id": post_id})
    LOG.info(json.dumps({"event": "announce", "key": source_key, "post": post_id}))
    return True


def requeue_stalled(mailings: Mailings, queues: Queues, now: datetime) -> int:
    """Queue again announcements whose fan-out never started (reconcile); return how many."""
    stalled = mailings.stalled(now, STALLED_AFTER)
    for found in stalled:
        queues.put(queues.announce_url, {"source_key": found.source_key, "post_id": found.post_id})
        LOG.warning("announcement of %s had not started; queued again", found.source_key)
    return len(stalled)


def fan_out(body: str, subscribers: SubscriberSource, mailings: Mailings, queues: Queues) -> int:
    """Turn one page of confirmed subscribers into a send batch; return its size."""
    message = _parse(body, {"source_key", "post_id"}, {"cursor"})
    cursor = message.get("cursor")
    if cursor is None:
        mailings.mark_started(str(message["source_key"]))
    page, following = subscribers.confirmed(cursor, PAGE_SIZE)
    if page:
        ids = [s.subscriber_id for s in page]
        queues.put(queues.send_url, {"post_id": message["post_id"], "subscribers": ids})
    if following is not None:
        queues.put(queues.announce_url, {**message, "cursor": following})
    return len(page)


@dataclass
class Sender:
    """What a send worker holds for its life: clients, settings, its rate and clock."""

    ses: Any
    settings: Settings
    subscribers: SubscriberSource
    mailings: Mailings
    get_post: Callable[[str], StoredPost | None]
    bucket: TokenBucket
    unsubscribe_url: Callable[[str], str]
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)

    def send_batch(self, body: str) -> int:
        """Send a batch's mails not sent yet; return how many were sent now.

        Raise (so the message is delivered again) when an SES call fails or another
        worker is sending one of them right now.
        """
        message = _parse(body, {"post_id", "subscribers"}, set())
        post_id = str(message["post_id"])
        post = self.get_post(post_id)
        if post is None:
            LOG.warning("post %s is no longer published: its mail is not sent", post_id)
            return 0
        sent = 0
        busy = []
        for subscriber_id in message["subscribers"]:
            outcome = self._send_one(post, str(subscriber_id))
            sent += outcome == "sent"
            if outcome == "busy":
                busy.append(subscriber_id)
        if busy:
            raise SendInProgress(f"{len(busy)} mails of {post_id} are being sent by another worker")
        return sent

    def _send_one(self, post: StoredPost, subscriber_id: str) -> str:
        post_id = post.summary.post_id
        subscriber = self.subscribers.get(subscriber_id)
        if subscriber is None or subscriber.state != "confirmed":
            return "skipped"  # unsubscribed or suppressed since the fan-out read the page
        if not self.mailings.claim_send(post_id, subscriber_id, self.clock(), SEND_LEASE):
            done = self.mailings.sends_of(post_id, subscriber_id) != "claimed"
            return "done" if done else "busy"
        url = self.unsubscribe_url(subscriber.unsubscribe_token)
        mail = render_post_mail(post, self.settings, url)
        self.bucket.take()
        try:
            message_id = send_mail(
                self.ses, self.settings, subscriber.address, mail.subject, mail.text, mail.html, url
            )
        except InvalidMail as exc:
            # Never deliverable: recorded as done, so no retry loops on it.
            LOG.warning("mail to subscriber %s refused: %s", subscriber_id[:12], exc)
            self.mailings.commit_send(post_id, subscriber_id, "")
            return "refused"
        except Exception:
            self.mailings.release_send(post_id, subscriber_id)
            raise
        self.mailings.commit_send(post_id, subscriber_id, message_id)
        LOG.info(json.dumps({"event": "sent", "post": post_id, "subscriber": subscriber_id[:12]}))
        return "sent"


def _parse(body: str, required: set[str], optional: set[str]) -> dict[str, Any]:
    """Read a queue message of ours; anything else is refused (it goes to the DLQ)."""
    message = json.loads(body)
    if not isinstance(message, dict) or not required <= message.keys() <= required | optional:
        raise ValueError("not a mail queue message")
    return message


@dataclass(frozen=True)
class PostAnnouncer:
    """What publishing calls at a post's first publication (ingest.Announcer)."""

    mailings: Mailings
    queues: Queues

    def __call__(self, post: Post, now: datetime) -> bool:
        """Queue the post's announcement if it is recent and was never announced."""
        return announce_post(
            self.mailings, self.queues, post.source_key, post.post_id, post.published, now
        )


def queues(sqs: Any, settings: Settings) -> Queues:
    """Return the mail queues of this stage, their URLs looked up once."""
    announce = sqs.get_queue_url(QueueName=settings.mail_announce_queue)["QueueUrl"]
    send = sqs.get_queue_url(QueueName=settings.mail_send_queue)["QueueUrl"]
    return Queues(sqs, str(announce), str(send))


def find_queues(sqs: Any, announce_queue: str, send_queue: str) -> Queues | None:
    """Return the mail queues by name, or None when either does not exist."""
    try:
        announce = sqs.get_queue_url(QueueName=announce_queue)["QueueUrl"]
        send = sqs.get_queue_url(QueueName=send_queue)["QueueUrl"]
    except ClientError as exc:
        if "NonExistentQueue" in exc.response["Error"]["Code"] or "QueueDoesNotExist" in str(
            exc.response["Error"]["Code"]
        ):
            return None
        raise
    return Queues(sqs, str(announce), str(send))


def unsubscribe_url(settings: Settings, token: str) -> str:
    """Return a subscriber's unsubscribe address (the page, and RFC 8058's one-click POST)."""
    return f"{settings.site_url}{settings.base_path}/unsubscribe/{token}"


def make_sender(ses: Any, dynamodb: Any, reads: ReadStore, settings: Settings) -> Sender:
    """Build a send worker: its share of the account's rate, its tables and its links."""
    from chalicelib.storage.subscribers import Subscribers

    mailings = Mailings(dynamodb, settings.table_name)
    bucket = TokenBucket(send_rate(ses, settings) / MAIL_SEND_WORKERS)
    return Sender(
        ses=ses,
        settings=settings,
        subscribers=Subscribers(mailings),
        mailings=mailings,
        get_post=reads.get_post,
        bucket=bucket,
        unsubscribe_url=functools.partial(unsubscribe_url, settings),
    )
