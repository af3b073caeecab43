"""Comments beside a post or page (``<name>.comments.json``), rendered at publish time.

Comments come from an imported blog and are shown read-only, threaded as they were.
The file is hostile input like any upload: it is size-capped, validated field by field,
and each comment's Markdown goes through the same sanitizer as posts. Pure: no AWS.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from markupsafe import Markup

from chalicelib import i18n, theme
from chalicelib.publishing.markup import render_markdown
from chalicelib.publishing.parsing import ParseError, clean_inline

COMMENTS_SUFFIX = ".comments.json"
MAX_COMMENTS_BYTES = 2_000_000
MAX_COMMENTS = 2_000
MAX_COMMENT_CHARS = 20_000
MAX_AUTHOR_CHARS = 200
# Deeper replies are shown at this depth: WordPress's own default is 5.
MAX_DEPTH = 10


@dataclass(frozen=True)
class Comment:
    """One approved comment, its body rendered and sanitized, with its replies."""

    comment_id: str
    parent_id: str
    author: str
    date: datetime
    html: Markup
    url: str = ""
    replies: tuple[Comment, ...] = ()


def comments_key(post_key: str) -> str:
    """Return where the comments of ``posts/<name>.md`` or ``pages/<name>.md`` are kept."""
    return post_key.removesuffix(".md") + COMMENTS_SUFFIX


def parse_comments(body: bytes) -> list[Comment]:
    """Read a comments file into top-level comments with their replies; raise ParseError."""
    if len(body) > MAX_COMMENTS_BYTES:
        raise ParseError(f"the comments file is over {MAX_COMMENTS_BYTES:,} bytes")
    try:
        entries = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise ParseError(f"the comments file is not UTF-8 JSON: {exc}") from exc
    if not isinstance(entries, list) or len(entries) > MAX_COMMENTS:
        raise ParseError(f"the comments file must be a list of at most {MAX_COMMENTS} comments")
    comments = [_comment(entry, number) for number, entry in enumerate(entries, 1)]
    return _thread(comments)


def render_comments(comments: list[Comment]) -> str:
    """Render the comments section shown under a post or page ("" without comments)."""
    if not comments:
        return ""
    template = theme.environment(i18n.publishing_language()).get_template("published/comments.html")
    return template.render(comments=comments, count=_count(comments))


def _comment(entry: Any, number: int) -> Comment:
    if not isinstance(entry, dict):
        raise ParseError(f"comment {number} must be an object")
    text, author = entry.get("text"), entry.get("author", "")
    if not isinstance(text, str) or len(text) > MAX_COMMENT_CHARS:
        raise ParseError(f"comment {number}: text must be Markdown of at most 20,000 characters")
    if not isinstance(author, str) or len(author) > MAX_AUTHOR_CHARS:
        raise ParseError(f"comment {number}: author must be a name of at most 200 characters")
    try:
        date = datetime.fromisoformat(str(entry.get("date", "")))
    except ValueError as exc:
        raise ParseError(f"comment {number}: date must be ISO 8601") from exc
    url = entry.get("url") or ""
    if not isinstance(url, str) or not url.startswith(("https://", "http://")) or len(url) > 500:
        url = ""  # an author's site is optional: a doubtful one is simply not linked
    return Comment(
        comment_id=str(entry.get("id", number)),
        parent_id=str(entry.get("parent") or ""),
        author=clean_inline(
            author
        ),  # unnamed: the template says "Anonymous" in the blog's language
        date=date,
        html=Markup(render_markdown(text)),
        url=url,
    )


def _thread(comments: list[Comment]) -> list[Comment]:
    """Nest replies under their parents, oldest first; an unknown parent makes a top level."""
    ids = {c.comment_id for c in comments}
    children: dict[str, list[Comment]] = {}
    for comment in sorted(comments, key=lambda c: c.date):
        parent = comment.parent_id if comment.parent_id in ids else ""
        children.setdefault(parent, []).append(comment)

    def build(parent: str, depth: int, seen: frozenset[str]) -> tuple[Comment, ...]:
        built = []
        for comment in children.get(parent, []):
            if comment.comment_id in seen:
                continue  # a cycle in a hostile file: shown once
            mine = seen | {comment.comment_id}
            replies = build(comment.comment_id, depth + 1, mine)
            if depth >= MAX_DEPTH:
                built += [replace(comment, replies=()), *replies]
            else:
                built.append(replace(comment, replies=replies))
        return tuple(built)

    threaded = list(build("", 1, frozenset()))
    # Replies caught in a cycle (a hostile file) reach no top level: shown after the rest.
    shown = _ids(threaded)
    return threaded + [c for c in comments if c.comment_id not in shown]


def _ids(comments: list[Comment] | tuple[Comment, ...]) -> set[str]:
    return {c.comment_id for c in comments} | {i for c in comments for i in _ids(c.replies)}


def _count(comments: tuple[Comment, ...] | list[Comment]) -> int:
    return sum(1 + _count(c.replies) for c in comments)
