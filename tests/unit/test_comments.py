"""Comments kept beside a post: read as hostile input, threaded, rendered read-only. Pure."""

from __future__ import annotations

import json

import pytest

from chalicelib.publishing.comments import (
    MAX_DEPTH,
    comments_key,
    parse_comments,
    render_comments,
)
from chalicelib.publishing.parsing import ParseError
from tests.helpers.pages import elements


def comments_file(*entries: dict[str, object]) -> bytes:
    return json.dumps(list(entries)).encode()


def entry(cid: str, parent: str = "", day: int = 1, **extra: object) -> dict[str, object]:
    return {
        "id": cid,
        "parent": parent,
        "author": f"A{cid}",
        "date": f"2019-01-0{day}T10:00:00+00:00",
        "text": f"Text {cid}",
        **extra,
    }


def test_replies_nest_under_their_parents_oldest_first() -> None:
    top = parse_comments(
        comments_file(entry("2", day=3), entry("1", day=1), entry("3", "1", 2), entry("4", "3", 4))
    )
    assert [c.comment_id for c in top] == ["1", "2"]
    assert [r.comment_id for r in top[0].replies] == ["3"]
    assert [r.comment_id for r in top[0].replies[0].replies] == ["4"]


def test_unknown_parents_cycles_and_deep_threads_are_shown_once() -> None:
    looped = parse_comments(comments_file(entry("1", "2"), entry("2", "1"), entry("3", "nope")))
    # 1 and 2 name each other, so neither is under the top level: both still show, once.
    assert sorted(c.comment_id for c in looped) == ["1", "2", "3"]
    assert render_comments(looped).count('class="comment"') == 3
    chain = [entry("0")] + [entry(str(n), str(n - 1)) for n in range(1, 30)]
    deep = parse_comments(comments_file(*chain))
    html = render_comments(deep)
    assert html.count('class="comment"') == 30
    assert html.count("<ol") <= MAX_DEPTH + 1


def test_comment_bodies_are_sanitized_and_authors_escaped() -> None:
    hostile = entry(
        "1",
        author="<script>alert(1)</script>Eve",
        text="Hi <script>alert(1)</script><img src=x onerror=alert(1)> **bold**",
        url="javascript:alert(1)",
    )
    html = render_comments(parse_comments(comments_file(hostile)))
    assert "<script" not in html and "onerror" not in html and "javascript:" not in html
    assert "<strong>bold</strong>" in html
    assert "&lt;script&gt;" in html or "alert(1)Eve" in html
    linked = render_comments(parse_comments(comments_file(entry("2", url="https://eve.example/"))))
    [link] = elements(linked, "a")
    assert link == {"href": "https://eve.example/", "rel": "nofollow ugc"}


def test_the_section_counts_every_comment() -> None:
    html = render_comments(parse_comments(comments_file(entry("1"), entry("2", "1"))))
    assert '<h2 id="comments-heading">2 comments</h2>' in html
    assert '<h2 id="comments-heading">1 comment</h2>' in render_comments(
        parse_comments(comments_file(entry("1")))
    )
    assert render_comments([]) == ""


@pytest.mark.parametrize(
    "body",
    [
        b"\xff\xfe",
        b"{not json",
        b'{"id": 1}',
        comments_file(entry("1", text=None)),
        comments_file(entry("1", date="yesterday")),
        comments_file(entry("1", text="x" * 20_001)),
        comments_file(*(entry(str(n)) for n in range(2_001))),
    ],
)
def test_bad_comment_files_are_refused_with_a_reason(body: bytes) -> None:
    with pytest.raises(ParseError):
        parse_comments(body)


def test_comments_sit_beside_their_post_or_page() -> None:
    assert comments_key("posts/hello.md") == "posts/hello.comments.json"
    assert comments_key("pages/about.md") == "pages/about.comments.json"
