"""Pure: a post split into pages with <!--nextpage-->, and sticky posts heading a listing."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from chalicelib.models import (
    COMMENTS_BREAK,
    Layout,
    Listing,
    PostSummary,
    StoredPost,
    join_body,
    split_body,
)
from chalicelib.publishing.markup import (
    MAX_PARTS,
    html_to_text,
    render_markdown,
    render_post_body,
    split_pages,
    summarize,
)
from chalicelib.publishing.parsing import ParseError
from chalicelib.site.views import sticky_first
from chalicelib.storage.items import layout_attributes, layout_from_item

THREE = "One *first*.\n\n<!--nextpage-->\n\nTwo.\n\n<!--nextpage-->\n\nThree.\n"


def test_markdown_splits_at_nextpage_lines() -> None:
    assert split_pages(THREE) == ["One *first*.\n", "\nTwo.\n", "\nThree.\n"]
    assert split_pages("No marker.\n") == ["No marker.\n"]
    # Up to three spaces before it, trailing blanks after, as a Markdown block may have.
    assert len(split_pages("a\n   <!--nextpage-->  \nb")) == 2
    # Not inline, not indented as code, not in fenced code (``` or ~~~, closed by its own kind).
    assert len(split_pages("a <!--nextpage--> b")) == 1
    assert len(split_pages("a\n\n    <!--nextpage-->\n\nb")) == 1
    fenced = "```html\n<!--nextpage-->\n~~~\n<!--nextpage-->\n```\n<!--nextpage-->\nafter"
    assert split_pages(fenced)[1] == "after"
    assert len(split_pages("~~~~\n<!--nextpage-->\n~~~\nstill code\n~~~~\nx")) == 1


def test_empty_parts_are_dropped_and_the_number_is_bounded() -> None:
    text = "<!--nextpage-->\nA\n<!--nextpage-->\n\n<!--nextpage-->\nB\n<!--nextpage-->"
    assert split_pages(text) == ["A", "B"]
    assert split_pages("<!--nextpage-->\n") == ["<!--nextpage-->\n"]  # nothing else: as it was
    many = "\n<!--nextpage-->\n".join(f"part {n}" for n in range(MAX_PARTS))
    assert len(split_pages(many)) == MAX_PARTS
    with pytest.raises(ParseError, match=f"at most {MAX_PARTS} pages"):
        split_pages(many + "\n<!--nextpage-->\none more")


def test_each_part_is_rendered_and_sanitised_alone() -> None:
    body = render_post_body("<div>open\n\n<!--nextpage-->\n\n<script>x()</script>Two")
    parts, comments = split_body(body)
    assert parts == ("<div>open</div>", "\n<p>Two</p>") and comments == ""
    # A body without a marker is stored exactly as before.
    assert render_post_body("Plain *text*.") == render_markdown("Plain *text*.")
    # Summaries and search read the whole post: every part, no markers.
    whole = render_post_body(THREE)
    assert html_to_text(whole).split() == ["One", "first.", "Two.", "Three."]
    assert summarize(whole) == "One first. Two. Three."


def test_comments_follow_the_parts_and_old_bodies_read_as_one_part() -> None:
    stored = join_body(["<p>1</p>", "<p>2</p>"], "<section>c</section>")
    assert split_body(stored) == (("<p>1</p>", "<p>2</p>"), "<section>c</section>")
    assert COMMENTS_BREAK not in join_body(["<p>1</p>"])
    summary = summary_of("2024/01/x", 1)
    post = StoredPost(summary, "<p>old body</p><section>c</section>", "posts/x.md")
    assert post.parts() == (("<p>old body</p><section>c</section>",), "")


def summary_of(post_id: str, day: int) -> PostSummary:
    published = datetime(2024, 1, day, tzinfo=UTC)
    sort_key = f"{published:%Y-%m-%dT%H:%M:%S}#{post_id}"
    return PostSummary(post_id, post_id.upper(), published, "s", (), (), sort_key)


def test_sticky_posts_come_first_without_repeating() -> None:
    posts = tuple(summary_of(f"2024/01/p{d}", d) for d in (9, 8, 7, 6))
    listing = Listing(posts, older="cursor", newer=None)
    sticky = (summary_of("2024/01/p7", 7), summary_of("2024/01/p1", 1))
    ordered = sticky_first(listing, sticky)
    ids = [p.post_id for p in ordered.posts]
    assert ids == ["2024/01/p7", "2024/01/p1", "2024/01/p9", "2024/01/p8", "2024/01/p6"]
    # The next page starts where the listing without sticky posts ended.
    assert (ordered.older, ordered.newer) == ("cursor", None)
    assert sticky_first(listing, ()) == listing


def test_the_layout_item_keeps_sticky_summaries() -> None:
    sticky = (replace(summary_of("2024/01/a", 2), title="Ünïcode"), summary_of("2024/01/b", 1))
    layout = Layout("<ul></ul>", "", ("2024-01",), frozenset({1, 2}), 2, sticky)
    item = layout_attributes(layout, 7)
    assert layout_from_item(item) == layout
    # Without sticky posts the item is what it always was.
    assert "sticky" not in layout_attributes(replace(layout, sticky=()), 7)
