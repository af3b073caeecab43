"""What the new-post mail has done: one announcement per post, one send per subscriber.

``ANNOUNCED`` holds one item per source file (sort key its S3 key) once its first
publication was recent enough to mail: a conditional put, so only the first publish of
a source ever announces it, whatever repeats. ``SENT#<post id>`` holds one item per
subscriber the post's mail went to (sort key the subscriber id, never an address):
claimed before the SES call, committed after it (docs/data-model.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from chalicelib.storage.transactions import WritableTable, condition, if_absent

ANNOUNCED = "ANNOUNCED"
_SENT_PREFIX = "SENT#"
QUEUED = "queued"
STARTED = "started"
CLAIMED = "claimed"
SENT = "sent"


def is_mailing_partition(partition: str) -> bool:
    """Tell whether a partition records mail sent (kept by a wipe: mail cannot be unsent)."""
    return partition == ANNOUNCED or partition.startswith(_SENT_PREFIX)


def sent_partition(post_id: str) -> str:
    """Return the partition of a post's sends."""
    return f"{_SENT_PREFIX}{post_id}"


@dataclass(frozen=True)
class Announcement:
    """A post announced to subscribers: its source, permalink id and fan-out state."""

    source_key: str
    post_id: str
    state: str
    at: datetime


class Mailings(WritableTable):
    """The announcement and send records, on the blog's table."""

    def claim_announcement(self, source_key: str, post_id: str, now: datetime) -> bool:
        """Record a post's one announcement; False when the source was announced before."""
        put = self.put(
            ANNOUNCED, source_key, {"post_id": post_id, "state": QUEUED, "at": _moment(now)}
        )
        return self.write_if(if_absent(put))

    def announcement(self, source_key: str) -> Announcement | None:
        """Return a source's announcement, if it has one."""
        item = self.get(ANNOUNCED, source_key, consistent=True)
        return None if item is None else _announcement(item)

    def mark_started(self, source_key: str) -> None:
        """Record that the fan-out read its first page: reconcile stops re-queueing it."""
        update = self.update(
            ANNOUNCED, source_key, "SET #s = :started", {":started": {"S": STARTED}}
        )
        self.write_if(condition(update, "attribute_exists(pk)", names={"#s": "state"}))

    def stalled(self, now: datetime, after: timedelta) -> list[Announcement]:
        """Return announcements queued longer than ``after`` whose fan-out never started."""
        found = [_announcement(item) for item in self.query(ANNOUNCED, consistent=True)]
        return [a for a in found if a.state == QUEUED and a.at <= now - after]

    def claim_send(self, post_id: str, subscriber_id: str, now: datetime, lease: timedelta) -> bool:
        """Claim one subscriber's mail of a post; False when sent, or claimed and not stale.

        A claim older than ``lease`` (longer than a send worker lives) belongs to a worker
        that died between its claim and its commit: it may be taken over.
        """
        put = self.put(
            sent_partition(post_id), subscriber_id, {"state": CLAIMED, "at": _moment(now)}
        )
        stale = {":claimed": {"S": CLAIMED}, ":stale": {"S": _moment(now - lease)}}
        expression = "attribute_not_exists(pk) OR (#s = :claimed AND #t < :stale)"
        return self.write_if(condition(put, expression, stale, {"#s": "state", "#t": "at"}))

    def commit_send(self, post_id: str, subscriber_id: str, message_id: str) -> None:
        """Record that SES accepted the mail: no worker sends it again."""
        update = self.update(
            sent_partition(post_id),
            subscriber_id,
            "SET #s = :sent, message_id = :id",
            {":sent": {"S": SENT}, ":id": {"S": message_id}},
        )
        self.write_if(condition(update, "attribute_exists(pk)", names={"#s": "state"}))

    def release_send(self, post_id: str, subscriber_id: str) -> None:
        """Drop a claim whose SES call failed, so the retry of the batch sends it."""
        delete = self.delete(sent_partition(post_id), subscriber_id)
        self.write_if(
            condition(delete, "#s = :claimed", {":claimed": {"S": CLAIMED}}, {"#s": "state"})
        )

    def sends_of(self, post_id: str, subscriber_id: str) -> str | None:
        """Return the state of one subscriber's mail of a post, if claimed or sent."""
        item = self.get(sent_partition(post_id), subscriber_id, consistent=True)
        return None if item is None else str(item["state"])

    def sends(self, post_id: str) -> dict[str, str]:
        """Return each subscriber id of a post's sends with its state (tests, tooling)."""
        items = self.query(sent_partition(post_id), consistent=True)
        return {str(item["sk"]): str(item["state"]) for item in items}


def _announcement(item: dict[str, object]) -> Announcement:
    at = datetime.fromisoformat(str(item["at"])).replace(tzinfo=UTC)
    return Announcement(str(item["sk"]), str(item["post_id"]), str(item["state"]), at)


def _moment(when: datetime) -> str:
    return f"{when.astimezone(UTC):%Y-%m-%dT%H:%M:%S.%f}"
