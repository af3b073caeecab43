"""Posts dated in the future appear by themselves when due, and not before."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from chalice.test import Client

from chalicelib.config import Settings
from chalicelib.publishing.ingest import publish_due_posts, sync_source
from chalicelib.storage.keys import ALL_POSTS
from chalicelib.storage.store import BlogStore
from tests.helpers.events import deliver
from tests.helpers.local import BUCKET_NAME
from tests.helpers.posts import make_post_markdown
from tests.helpers.store_views import term_counts

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
Publish = Callable[[str, str], None]


def visible(client: Client, store: BlogStore, title: str) -> dict[str, bool]:
    """Where a post shows: permalink, home, feed, search, sitemap, tag and calendar counts."""
    home = client.http.get("/").body.decode()
    _, tags, months = term_counts(store)
    return {
        "listed": title in [p.title for p in store.reads.list_posts(ALL_POSTS).posts],
        "home": title in home,
        "feed": title in client.http.get("/feed/").body.decode(),
        "search": title in client.http.get("/search?q=zeppelin").body.decode(),
        "tag": any(t.term.key == "future" for t in tags),
        "month": "2026-12" in months,
    }


def test_future_post_waits_for_the_scheduler(
    client: Client, s3: Any, store: BlogStore, settings: Settings
) -> None:
    text = make_post_markdown("Zeppelin flight", "2026-12-01T09:00:00Z", ["future"])
    s3.put_object(Bucket=BUCKET_NAME, Key="posts/later.md", Body=text.encode())
    assert sync_source("posts/later.md", s3, store, settings, now=NOW) == "scheduled"
    assert set(visible(client, store, "Zeppelin flight").values()) == {False}
    assert client.http.get("/2026/12/later/").status_code == 404

    assert publish_due_posts(s3, store, settings, now=NOW + timedelta(days=1)) == 0
    assert publish_due_posts(s3, store, settings, now=datetime(2026, 12, 1, 9, 0, tzinfo=UTC)) == 1
    assert set(visible(client, store, "Zeppelin flight").values()) == {True}
    assert client.http.get("/2026/12/later/").status_code == 200
    assert publish_due_posts(s3, store, settings, now=datetime(2026, 12, 2, tzinfo=UTC)) == 0


def test_moving_a_live_post_into_the_future_takes_it_down(
    client: Client, s3: Any, store: BlogStore, settings: Settings
) -> None:
    s3.put_object(
        Bucket=BUCKET_NAME,
        Key="posts/a.md",
        Body=make_post_markdown("Zeppelin", "2026-11-01").encode(),
    )
    sync_source("posts/a.md", s3, store, settings, now=NOW)
    later = make_post_markdown("Zeppelin", "2027-01-01")
    s3.put_object(Bucket=BUCKET_NAME, Key="posts/a.md", Body=later.encode())
    assert sync_source("posts/a.md", s3, store, settings, now=NOW) == "scheduled"
    assert store.reads.list_posts(ALL_POSTS).posts == ()
    s3.delete_object(Bucket=BUCKET_NAME, Key="posts/a.md")
    sync_source("posts/a.md", s3, store, settings, now=NOW)
    assert store.schedule.due(datetime(2027, 2, 1, tzinfo=UTC)) == []


def test_the_deployed_schedule_handler_publishes_when_due(
    client: Client, publish: Publish, store: BlogStore
) -> None:
    due = datetime.now(UTC) + timedelta(seconds=2)
    publish("posts/soon.md", make_post_markdown("Zeppelin soon", due.isoformat(timespec="seconds")))
    assert "Zeppelin soon" not in client.http.get("/").body.decode()
    time.sleep(2.5)
    client.lambda_.invoke(
        "publish_due_posts",
        client.events.generate_cw_event("Scheduled Event", "aws.events", {}, []),
    )
    assert "Zeppelin soon" in client.http.get("/").body.decode()
    deliver(client, "posts/soon.md", "ObjectCreated:Put")  # a late duplicate event changes nothing
    assert [p.title for p in store.reads.list_posts(ALL_POSTS).posts] == ["Zeppelin soon"]
