"""Pure parts of private previews: the key a token is stored under, items, bucket keys."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from blogctl.previews import source_key_for
from chalicelib.models import Post, StaticPage, Term
from chalicelib.storage.items import preview_attributes, preview_from_item
from chalicelib.storage.keys import preview_item

WHEN = datetime(2026, 5, 2, 9, 0, tzinfo=UTC)
POST = Post(
    slug="idea",
    title="An idea",
    published=WHEN,
    tags=(Term("kites", "Kites"),),
    categories=(),
    summary="First words.",
    html="<p>First words.</p>",
    source_key="posts/idea.md",
)


def test_a_token_is_stored_under_its_hash_only() -> None:
    token = "q5nN6hVZ0c3mPiO1p2Wg5Rj0yQmF1yD4lB2t8e6kXoA"
    key = preview_item(token)
    assert key.startswith("PREVIEW#") and len(key) == len("PREVIEW#") + 64
    assert token not in key
    assert preview_item(token[:-1] + "B") != key
    # Anything a request holds has a key of the same size: no guess reads more or less.
    assert {len(preview_item(guess)) for guess in ("", "x" * 5000, "\udcff", "ü")} == {len(key)}


def test_a_drafts_preview_item_reads_back_as_its_post() -> None:
    draft = Post(**{**POST.__dict__, "draft": True})
    preview = preview_from_item(preview_attributes(post=draft, updated=WHEN))
    assert preview.post is not None and preview.page is None and preview.due is None
    assert preview.post.summary.title == "An idea" and preview.post.html == POST.html
    assert preview.post.older is None and preview.post.newer is None


def test_a_scheduled_posts_preview_ends_when_it_is_due() -> None:
    preview = preview_from_item(preview_attributes(post=POST, updated=WHEN))
    assert preview.due == WHEN


def test_a_pages_preview_item_reads_back_as_its_page() -> None:
    page = StaticPage("about/team", "Team", "<p>Us.</p>", "Us.", 3, "pages/team.md", True)
    preview = preview_from_item(preview_attributes(page=page))
    assert preview.page == StaticPage("about/team", "Team", "<p>Us.</p>", "Us.", 3, "pages/team.md")
    assert preview.post is None


@pytest.mark.parametrize(
    ("given", "key"),
    [
        ("posts/hello.md", "posts/hello.md"),
        ("pages/about.md", "pages/about.md"),
        ("blog/posts/hello.md", "posts/hello.md"),
        ("/home/ann/blog/pages/about.md", "pages/about.md"),
        ("drafts/hello.md", "posts/hello.md"),
        ("hello.md", "posts/hello.md"),
    ],
)
def test_a_file_names_its_source_key(given: str, key: str) -> None:
    assert source_key_for(given) == key


@pytest.mark.parametrize("given", ["notes.txt", "posts/", "media/a.jpg"])
def test_only_markdown_files_have_previews(given: str) -> None:
    with pytest.raises(ValueError, match="is not a (Markdown source|plain key)"):
        source_key_for(given)
