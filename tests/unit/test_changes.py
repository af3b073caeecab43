"""The one-line summaries `blogctl history` gives of each version. Pure."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from blogctl.changes import summarize_history
from blogctl.history import Version
from blogctl.restore import CannotRestore, choose_version
from tests.helpers.posts import make_post_markdown

KEY = "posts/apples.md"


def version(text: str, tags: list[str] | None = None, date: str = "2026-03-01") -> bytes:
    return make_post_markdown(text, date, tags, body=f"About {text}.").encode()


def test_each_version_says_what_changed_against_the_one_before() -> None:
    v1 = version("Apples", ["fruit"])
    v2 = version("Apples and pears", ["fruit", "pears"], date="2026-03-02")
    v3 = v2.replace(b"About", b"All about")
    assert summarize_history(KEY, [v1, v2, v3, v3, None, v1]) == [
        'created: "Apples"',
        'title "Apples" -> "Apples and pears"; date 2026-03-01 -> 2026-03-02; tags +pears; '
        "text edited",
        "text edited",
        "no visible change",
        "deleted",
        'back after deletion; title "Apples and pears" -> "Apples"; date 2026-03-02 -> '
        "2026-03-01; tags -pears; text edited",
    ]


def test_a_removed_tag_and_an_unreadable_version_are_named() -> None:
    v1 = version("Apples", ["fruit", "red"])
    v2 = version("Apples", ["red"])
    broken = b"---\ndate: 2011-02-30\n---\n"
    [_, second, third] = summarize_history(KEY, [v1, v2, broken])
    assert second == "tags -fruit"
    assert third.startswith("cannot be published: ") and "2011-02-30" in third


def test_publishing_a_draft_and_drafting_it_again_are_named() -> None:
    public = version("Apples", ["fruit"])
    draft = public.replace(b"title:", b"draft: true\ntitle:", 1)
    assert summarize_history(KEY, [draft, public, draft]) == [
        'created: "Apples" (draft)',
        "draft: true removed (public)",
        "made a draft",
    ]


def test_a_title_taken_from_the_first_heading_counts_as_the_title() -> None:
    [first, second] = summarize_history(KEY, [b"# Hello\n\nText.", b"# Goodbye\n\nText."])
    assert first == 'created: "Hello"'
    assert second == 'title "Hello" -> "Goodbye"'


def _v(version_id: str, minute: int, deleted: bool = False, latest: bool = False) -> Version:
    moment = datetime(2026, 3, 1, 12, minute, tzinfo=UTC)
    return Version(KEY, version_id, moment, 0 if deleted else 10, deleted, latest)


def test_restore_undoes_the_last_change_or_takes_the_version_asked_for() -> None:
    overwritten = [_v("v3", 3, latest=True), _v("v2", 2), _v("v1", 1)]
    assert choose_version(overwritten, None).version_id == "v2"
    assert choose_version(overwritten, "v1").version_id == "v1"
    deleted = [_v("d", 4, deleted=True, latest=True), *overwritten]
    assert choose_version(deleted, None).version_id == "v3"
    with pytest.raises(CannotRestore, match="no kept version 'd'"):
        choose_version(deleted, "d")
    with pytest.raises(CannotRestore, match="no earlier version"):
        choose_version([_v("v1", 1, latest=True)], None)
    with pytest.raises(CannotRestore, match="never written"):
        choose_version([], None)
