"""A crash after the post's transaction is repaired by the event's redelivery."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from chalicelib.config import Settings
from chalicelib.publishing.ingest import publish_due_posts, sync_source
from chalicelib.storage.keys import ALL_POSTS
from chalicelib.storage.records import IndexedSource, RedirectTarget
from chalicelib.storage.store import BlogStore
from tests.helpers.crashes import FOLLOW_UP_STEPS, InjectedFailure, fail_once
from tests.helpers.local import BUCKET_NAME
from tests.helpers.posts import make_post_markdown, upload
from tests.helpers.store_views import neighbours, recent, related, searched


@pytest.mark.parametrize(("operation", "when"), FOLLOW_UP_STEPS)
def test_crash_after_publishing_is_repaired_by_redelivery(
    s3: Any, store: BlogStore, settings: Settings, operation: str, when: str
) -> None:
    upload(s3, "posts/a.md", "Apples", "2026-08-01", ["fruit"])
    upload(s3, "posts/b.md", "Bananas", "2026-08-02", ["fruit"])
    for key in ("posts/a.md", "posts/b.md"):
        sync_source(key, s3, store, settings)
    upload(s3, "posts/c.md", "Cherries", "2026-08-03", ["fruit"])
    with fail_once(store.table.client, operation, when), pytest.raises(InjectedFailure):
        sync_source("posts/c.md", s3, store, settings)

    assert sync_source("posts/c.md", s3, store, settings) == "repaired"
    assert searched(store, "cherries") == {"2026/08/c"}
    assert neighbours(store, "2026/08/b") == ("2026/08/a", "2026/08/c")
    assert neighbours(store, "2026/08/c") == ("2026/08/b", None)
    assert "2026/08/c" in related(store, "2026/08/a")
    assert "Cherries" in recent(store)
    # Repaired once: the next duplicate is the cheap no-op again.
    assert sync_source("posts/c.md", s3, store, settings) == "unchanged"


@pytest.mark.slow
@pytest.mark.parametrize(("operation", "when"), FOLLOW_UP_STEPS)
def test_crash_after_a_delete_is_repaired_by_redelivery(
    s3: Any, store: BlogStore, settings: Settings, operation: str, when: str
) -> None:
    for key, title, day in (("a", "Apples", 1), ("b", "Bananas", 2), ("c", "Cherries", 3)):
        upload(s3, f"posts/{key}.md", title, f"2026-08-0{day}", ["fruit"])
        sync_source(f"posts/{key}.md", s3, store, settings)
    assert "2026/08/b" in related(store, "2026/08/a")
    s3.delete_object(Bucket=BUCKET_NAME, Key="posts/b.md")
    with fail_once(store.table.client, operation, when), pytest.raises(InjectedFailure):
        sync_source("posts/b.md", s3, store, settings)

    assert sync_source("posts/b.md", s3, store, settings) == "removed"
    assert searched(store, "bananas") == set()
    assert neighbours(store, "2026/08/a") == (None, "2026/08/c")
    assert neighbours(store, "2026/08/c") == ("2026/08/a", None)
    assert "2026/08/b" not in related(store, "2026/08/a") | related(store, "2026/08/c")
    assert "Bananas" not in recent(store)
    assert sync_source("posts/b.md", s3, store, settings) == "absent"


def test_crash_after_an_edit_still_clears_the_old_version(
    s3: Any, store: BlogStore, settings: Settings
) -> None:
    upload(s3, "posts/a.md", "Apples", "2026-08-01", ["fruit"])
    sync_source("posts/a.md", s3, store, settings)
    upload(s3, "posts/a.md", "Oranges", "2026-08-05", ["fruit"])
    with fail_once(store.table.client, "BatchWriteItem"), pytest.raises(InjectedFailure):
        sync_source("posts/a.md", s3, store, settings)

    assert sync_source("posts/a.md", s3, store, settings) == "repaired"
    assert searched(store, "apples") == set()
    assert searched(store, "oranges") == {"2026/08/a"}


def test_scheduled_post_survives_a_failed_publication(
    s3: Any, store: BlogStore, settings: Settings
) -> None:
    now = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
    text = make_post_markdown("Zeppelin", "2026-12-01T09:00:00Z", ["future"])
    s3.put_object(Bucket=BUCKET_NAME, Key="posts/later.md", Body=text.encode())
    assert sync_source("posts/later.md", s3, store, settings, now=now) == "scheduled"

    due = now + timedelta(days=3)
    with fail_once(store.table.client, "TransactWriteItems", "POST#"):
        assert publish_due_posts(s3, store, settings, now=due) == 0
    assert [p.title for p in store.reads.list_posts(ALL_POSTS).posts] == []

    assert publish_due_posts(s3, store, settings, now=due) == 1
    assert [p.title for p in store.reads.list_posts(ALL_POSTS).posts] == ["Zeppelin"]
    assert store.schedule.due(due) == []


@pytest.mark.slow
def test_related_links_follow_a_deleted_or_moved_post(
    s3: Any, store: BlogStore, settings: Settings
) -> None:
    for day in range(1, 9):
        upload(s3, f"posts/p{day}.md", f"Fruit {day}", f"2026-08-0{day}", ["fruit"])
        sync_source(f"posts/p{day}.md", s3, store, settings)
    # The oldest post names posts that are far down the tag's listing by now.
    assert related(store, "2026/08/p1") == {"2026/08/p2", "2026/08/p3", "2026/08/p4"}

    s3.delete_object(Bucket=BUCKET_NAME, Key="posts/p4.md")
    assert sync_source("posts/p4.md", s3, store, settings) == "removed"
    upload(s3, "posts/p3.md", "Fruit 3", "2026-09-01", ["fruit"])
    assert sync_source("posts/p3.md", s3, store, settings) == "published"

    assert related(store, "2026/08/p1") == {"2026/09/p3", "2026/08/p8", "2026/08/p7"}
    assert store.links.linked_from("2026/08/p4") == store.links.linked_from("2026/08/p3") == []


def test_a_crash_while_claiming_or_releasing_old_addresses_is_repaired(
    s3: Any, store: BlogStore, settings: Settings
) -> None:
    text = "---\ntitle: Old\ndate: 2026-08-01\naliases: ['/old/', '/?p=7']\n---\nBody.\n"
    s3.put_object(Bucket=BUCKET_NAME, Key="posts/old.md", Body=text.encode())
    with fail_once(store.table.client, "PutItem", "REDIRECT#"), pytest.raises(InjectedFailure):
        sync_source("posts/old.md", s3, store, settings)
    assert sync_source("posts/old.md", s3, store, settings) == "repaired"
    moved = RedirectTarget(post_id="2026/08/old")
    assert store.reads.redirect("/old/") == store.reads.redirect("/?p=7") == moved

    s3.delete_object(Bucket=BUCKET_NAME, Key="posts/old.md")
    with fail_once(store.table.client, "DeleteItem", "REDIRECT#"), pytest.raises(InjectedFailure):
        sync_source("posts/old.md", s3, store, settings)
    assert sync_source("posts/old.md", s3, store, settings) == "removed"
    assert store.reads.redirect("/old/") is None
    assert store.reads.redirect("/?p=7") is None


def test_a_crash_while_a_page_claims_or_releases_old_addresses_is_repaired(
    s3: Any, store: BlogStore, settings: Settings
) -> None:
    text = "---\ntitle: Team\nparent: about\naliases: ['/team/', '/?page_id=7']\n---\nUs.\n"
    s3.put_object(Bucket=BUCKET_NAME, Key="pages/team.md", Body=text.encode())
    with fail_once(store.table.client, "PutItem", "REDIRECT#"), pytest.raises(InjectedFailure):
        sync_source("pages/team.md", s3, store, settings)
    # The page is up, its source still pending: reconcile would find it as the event does.
    assert "pages/team.md" in {k for k, e in store.maintenance.source_index().items() if e.todo}
    assert sync_source("pages/team.md", s3, store, settings) == "repaired"
    moved = RedirectTarget(page="about/team")
    assert store.reads.redirect("/team/") == store.reads.redirect("/?page_id=7") == moved
    assert sync_source("pages/team.md", s3, store, settings) == "unchanged"

    s3.delete_object(Bucket=BUCKET_NAME, Key="pages/team.md")
    with fail_once(store.table.client, "DeleteItem", "REDIRECT#"), pytest.raises(InjectedFailure):
        sync_source("pages/team.md", s3, store, settings)
    assert store.reads.page_data(page_slug="about/team").static_page is None
    # The tombstone keeps what to release until the follow-ups are done, then goes.
    assert store.maintenance.source_index()["pages/team.md"] == IndexedSource("", todo=True)
    assert sync_source("pages/team.md", s3, store, settings) == "removed"
    assert store.reads.redirect("/team/") is None
    assert store.reads.redirect("/?page_id=7") is None
    assert "pages/team.md" not in store.maintenance.source_index()
    assert store.sources.unfinished_source("pages/team.md") is None
