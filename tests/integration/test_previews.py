"""Preview links against the emulator: stable through redelivery and rebuilds, ended for good."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from blogctl import cli
from blogctl.repair import reindex
from chalicelib.config import Settings
from chalicelib.publishing.ingest import publish_due_posts, sync_source
from chalicelib.site.previews import preview_page
from chalicelib.storage import bodies
from chalicelib.storage.keys import ITEM, PREVIEW_LINKS, preview_item
from chalicelib.storage.store import BlogStore
from tests.helpers.local import BUCKET_NAME
from tests.helpers.posts import make_post_markdown

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
KEY = "posts/idea.md"
DRAFT = "---\ntitle: An idea\ndate: 2026-05-02T09:00:00Z\ndraft: true\n---\nFirst words.\n"


def put(s3: Any, key: str, text: str) -> None:
    s3.put_object(Bucket=BUCKET_NAME, Key=key, Body=text.encode())


def shown(store: BlogStore, token: str, now: datetime = NOW) -> str | None:
    """Return the preview's body as its page shows it, None when the link answers 404."""
    view = preview_page(store.reads, token, "", now)
    return None if view.status == 404 else str(view.data["html"])


def preview_items(store: BlogStore) -> list[str]:
    return [pk for pk, _ in store.table.scan_keys("PREVIEW#")]


@pytest.fixture
def drafted(s3: Any, store: BlogStore, settings: Settings) -> str:
    put(s3, KEY, DRAFT)
    assert sync_source(KEY, s3, store, settings, now=NOW) == "draft"
    token = store.previews.token(KEY)
    assert token is not None
    return token


def test_the_token_survives_redelivery_edits_and_rebuilds(
    s3: Any, store: BlogStore, settings: Settings, drafted: str
) -> None:
    assert len(drafted) >= 43  # 32 random bytes, URL-safe
    assert shown(store, drafted) == "<p>First words.</p>"
    for _ in range(2):  # a duplicate event, a retry
        assert sync_source(KEY, s3, store, settings, now=NOW) == "draft"
    put(s3, KEY, DRAFT.replace("First", "Better"))
    sync_source(KEY, s3, store, settings, now=NOW)
    reindex(settings, s3, store, wipe=False)
    assert store.previews.token(KEY) == drafted
    reindex(settings, s3, store, wipe=True)

    assert store.previews.token(KEY) == drafted
    assert shown(store, drafted) == "<p>Better words.</p>"
    assert preview_items(store) == [preview_item(drafted)]
    # The table holds the token only as the link's attribute, never in a key.
    keys = [f"{pk} {sk}" for pk, sk in store.table.scan_keys()]
    assert not any(drafted in key for key in keys)


def test_concurrent_first_deliveries_share_one_token(store: BlogStore) -> None:
    first = BlogStore(store.table.client, store.table.name).previews.save(KEY, {"title": "a"})
    second = BlogStore(store.table.client, store.table.name).previews.save(KEY, {"title": "b"})
    assert first == second == store.previews.token(KEY)


def test_revoking_moves_the_preview_to_a_new_link(store: BlogStore, drafted: str) -> None:
    renewed = store.previews.revoke(KEY)

    assert renewed is not None and renewed != drafted
    assert shown(store, drafted) is None
    assert shown(store, renewed) == "<p>First words.</p>"
    assert preview_items(store) == [preview_item(renewed)]
    assert store.previews.revoke("posts/never.md") is None


def test_publishing_ends_the_preview(
    s3: Any, store: BlogStore, settings: Settings, drafted: str
) -> None:
    put(s3, KEY, DRAFT.replace("draft: true\n", ""))
    assert sync_source(KEY, s3, store, settings, now=NOW) == "published"

    assert shown(store, drafted) is None
    assert store.previews.token(KEY) is None
    assert preview_items(store) == []
    # Made a draft again, it gets a new link: the old one stays dead.
    put(s3, KEY, DRAFT)
    sync_source(KEY, s3, store, settings, now=NOW)
    assert store.previews.token(KEY) not in (None, drafted)
    assert shown(store, drafted) is None


def test_deleting_the_source_ends_the_preview(
    s3: Any, store: BlogStore, settings: Settings, drafted: str
) -> None:
    s3.delete_object(Bucket=BUCKET_NAME, Key=KEY)
    sync_source(KEY, s3, store, settings, now=NOW)

    assert shown(store, drafted) is None
    assert store.table.get(PREVIEW_LINKS, KEY) is None
    assert preview_items(store) == []


def test_a_scheduled_post_is_previewed_until_it_comes_due(
    s3: Any, store: BlogStore, settings: Settings
) -> None:
    due = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    put(s3, KEY, make_post_markdown("Later", "2026-12-01T09:00:00Z", ["future"], body="Soon."))
    assert sync_source(KEY, s3, store, settings, now=NOW) == "scheduled"
    token = store.previews.token(KEY)
    assert token is not None
    assert shown(store, token, due - timedelta(seconds=1)) == "<p>Soon.</p>"
    # Due, and the scheduler not run yet: the public page is about to take over.
    assert shown(store, token, due) is None

    assert publish_due_posts(s3, store, settings, now=due) == 1

    assert store.previews.token(KEY) is None and preview_items(store) == []


def test_a_large_draft_keeps_its_body_apart(s3: Any, store: BlogStore, settings: Settings) -> None:
    words = " ".join(f"word{n}" for n in range(60_000))
    put(s3, KEY, DRAFT.replace("First words.", words))
    sync_source(KEY, s3, store, settings, now=NOW)
    token = store.previews.token(KEY)
    assert token is not None

    item = store.table.get(preview_item(token), ITEM)
    assert (
        item is not None
        and item["html"] == ""
        and item["body_key"].startswith(bodies.PREVIEW_PREFIX)
    )
    reads = BlogStore(store.table.client, store.table.name, _loader(s3)).reads
    view = preview_page(reads, token, "", NOW)
    assert view.status == 200 and "word59999" in str(view.data["html"])


def _loader(s3: Any) -> Any:
    return lambda key: bodies.load(s3, BUCKET_NAME, key)


def test_blogctl_prints_and_revokes_the_link(
    moto_endpoint: str, drafted: str, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ["--endpoint-url", moto_endpoint, "preview"]
    assert cli.main([*base, "drafts/idea.md"]) == 0
    link = capsys.readouterr().out.strip()
    assert link.endswith(f"/preview/{drafted}/") and link.startswith("http")
    assert cli.main([*base, "posts/idea.md"]) == 0
    assert capsys.readouterr().out.strip() == link

    assert cli.main([*base, "--revoke", "posts/idea.md"]) == 0
    renewed = capsys.readouterr().out.strip()
    assert renewed != link and "/preview/" in renewed

    assert cli.main([*base, "posts/other.md"]) == 1
    assert "has no preview link" in capsys.readouterr().err
    assert cli.main([*base, "notes.txt"]) == 1
