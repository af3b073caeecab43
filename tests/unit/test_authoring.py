"""The pure parts of blogctl's authoring commands: new files, keys, diffs, tables."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from blogctl.localfiles import (
    content_type,
    is_ignored,
    key_for,
    key_named,
    site_files,
)
from blogctl.newpost import front_matter, write_new
from blogctl.output import CommandError, format_table
from blogctl.pipeline import Seen
from blogctl.sync import plan_sync, summarize
from blogctl.uploads import Outcome, outcome_of
from blogctl.watch import changed_keys
from chalicelib.bucket import is_clean_key
from chalicelib.config import Settings
from chalicelib.publishing.parsing import ParseError, SourceDocument, parse_document

WHEN = datetime(2024, 5, 1, 9, 30, tzinfo=ZoneInfo("Europe/Paris"))
SETTINGS = Settings("table", "bucket", timezone=ZoneInfo("Europe/Paris"))


def test_a_new_draft_parses_back_to_its_title_date_and_slug() -> None:
    text = front_matter("Yes: #1 — «été»", WHEN, "yes-1-été")
    doc = SourceDocument("posts/yes-1-été.md", text.encode(), WHEN)
    parsed = parse_document(doc, ZoneInfo("UTC"), 10_000)
    assert (parsed.title, parsed.published, parsed.slug, parsed.draft) == (
        "Yes: #1 — «été»",
        WHEN,
        "yes-1-été",
        True,
    )


def test_new_never_overwrites_and_takes_the_next_free_slug(tmp_path: Path) -> None:
    first = write_new("Hello World", tmp_path / "posts", WHEN)
    first.write_text("mine")
    second = write_new("Hello, world!", tmp_path / "posts", WHEN)
    assert (first.name, second.name) == ("hello-world.md", "hello-world-2.md")
    assert first.read_text() == "mine"
    assert "slug: hello-world-2\n" in second.read_text()


def test_new_refuses_a_title_without_a_letter_or_digit(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="letter or digit"):
        write_new("!!!", tmp_path, WHEN)


def test_keys_come_from_the_folder(tmp_path: Path) -> None:
    assert key_for(tmp_path / "blog" / "posts" / "a.md") == "posts/a.md"
    assert key_for(tmp_path / "pages" / "about.md") == "pages/about.md"
    assert key_for(tmp_path / "media" / "2024" / "a.jpg") == "media/2024/a.jpg"
    assert key_for(tmp_path / "site" / "posts" / "a.md", tmp_path / "site") == "posts/a.md"
    with pytest.raises(ValueError, match="posts/, pages/ or media/"):
        key_for(tmp_path / "notes" / "a.md")
    with pytest.raises(ValueError, match="not under"):
        key_for(tmp_path / "site" / "drafts" / "a.md", tmp_path / "site")


def test_site_files_skip_editor_files_and_other_folders(tmp_path: Path) -> None:
    for name in ("posts/a.md", "posts/.a.md.swp", "posts/a.md~", "media/x/y.png", "notes/n.md"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    assert list(site_files(tmp_path)) == ["media/x/y.png", "posts/a.md"]
    assert is_ignored("posts/#a.md#") and not is_ignored("posts/a.md")
    assert content_type("posts/a.md") == "text/markdown; charset=utf-8"
    assert content_type("media/y.PNG") == "image/png"


def test_sync_uploads_only_changes_and_deletes_only_under_its_folders() -> None:
    local = {"posts/same.md": "1", "posts/changed.md": "2", "media/new.png": "3"}
    remote = {"posts/same.md": "1", "posts/changed.md": "0", "posts/gone.md": "4"}
    remote |= {"errors/posts/gone.md.json": "5", "inbox/m": "6"}
    plan = plan_sync(local, remote, delete=True)
    assert plan.upload == ["posts/changed.md", "media/new.png"]
    assert plan.same == ["posts/same.md"]
    assert plan.delete == ["posts/gone.md"]
    assert plan_sync(local, remote, delete=False).delete == []


def test_a_rejection_keeps_the_parsers_line_and_column() -> None:
    with pytest.raises(ParseError) as error:
        parse_document(
            SourceDocument("posts/b.md", b"---\ntitle: a: b\n---\n", WHEN), SETTINGS.timezone, 999
        )
    outcome = outcome_of(Seen("rejected", str(error.value)), "posts/b.md", SETTINGS)
    assert (outcome.line, outcome.column) == (2, 9)
    outcome.path = "site/posts/b.md"
    assert outcome.describe().startswith("rejected   site/posts/b.md:2:9  front matter")


def test_a_scheduled_post_is_due_in_the_sites_time_zone() -> None:
    due = datetime(2030, 1, 1, 8, 0, tzinfo=ZoneInfo("UTC"))
    outcome = outcome_of(Seen("scheduled", due=due), "posts/s.md", SETTINGS)
    assert outcome.due == "2030-01-01T09:00+01:00"
    assert outcome.as_json() == {"key": "posts/s.md", "state": "scheduled", "due": outcome.due}


def test_the_summary_counts_outcomes_and_lists_rejections() -> None:
    outcomes = [
        Outcome("posts/a.md", "published"),
        Outcome("posts/b.md", "unchanged"),
        Outcome("posts/c.md", "rejected", reason="bad", line=3, column=7),
    ]
    assert summarize(outcomes) == (
        "outcome    files\npublished  1\nunchanged  1\nrejected   1\n\n"
        "file        line  reason\nposts/c.md  3:7   bad\n"
    )
    assert format_table(["a"], []) == ""


def test_a_dry_run_names_the_files_it_would_change() -> None:
    outcomes = [
        Outcome("posts/a.md", "would upload"),
        Outcome("media/old.jpg", "would delete"),
        Outcome("posts/b.md", "unchanged"),
    ]
    assert summarize(outcomes).endswith(
        "\nwould   file\nupload  posts/a.md\ndelete  media/old.jpg\n"
    )


def test_watch_sees_writes_and_new_files_not_removals() -> None:
    before = {"posts/a.md": (1, 10), "posts/b.md": (1, 10), "posts/c.md": (1, 1)}
    after = {"posts/a.md": (2, 10), "posts/b.md": (1, 10), "posts/d.md": (1, 1)}
    assert changed_keys(before, after) == ["posts/a.md", "posts/d.md"]


@pytest.mark.parametrize(
    ("given", "key"),
    [
        ("posts/hello.md", "posts/hello.md"),
        ("mysite/posts/hello-world.md", "posts/hello-world.md"),
        ("/home/ann/blog/pages/about.md", "pages/about.md"),
        ("blog/media/2024/a.jpg", "media/2024/a.jpg"),
        ("drafts/hello.md", "posts/hello.md"),
        ("hello", "posts/hello.md"),
    ],
)
def test_history_restore_and_preview_name_files_as_publish_does(given: str, key: str) -> None:
    assert key_named(given) == key


@pytest.mark.parametrize("key", ["posts/../errors/x.md", "media/./a.jpg", "posts//a.md"])
def test_keys_with_dot_parts_are_refused(key: str) -> None:
    assert not is_clean_key(key)
    with pytest.raises(ValueError, match="not a plain key"):
        key_named(key)
    assert not is_clean_key("media\\a.jpg") and is_clean_key("media/2024/a.jpg")


@pytest.mark.parametrize(
    ("key", "kind"),
    [
        ("media/evil.html", "application/octet-stream"),
        ("media/logo.svg", "application/octet-stream"),
        ("media/x.js", "application/octet-stream"),
        ("media/photo.jpg", "image/jpeg"),
        ("media/talk.mp3", "audio/mpeg"),
        ("posts/a.md", "text/markdown; charset=utf-8"),
    ],
)
def test_media_are_never_stored_as_content_a_browser_runs(key: str, kind: str) -> None:
    assert content_type(key) == kind
