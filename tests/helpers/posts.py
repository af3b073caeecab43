"""Post sources as an author writes them: Markdown fixtures, generated posts, uploads."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tests.helpers.local import BUCKET_NAME, FIXTURES

UPLOAD_TIME = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def fixture_text(name: str) -> str:
    """Read a Markdown fixture."""
    return (FIXTURES / "posts" / name).read_text(encoding="utf-8")


def make_post_markdown(
    title: str,
    date: str,
    tags: list[str] | None = None,
    categories: list[str] | None = None,
    body: str = "Body text.",
) -> str:
    """Build a Markdown post with front matter."""
    lines = ["---", f"title: {title}", f"date: {date}"]
    if tags is not None:
        lines.append(f"tags: [{', '.join(tags)}]")
    if categories is not None:
        lines.append(f"categories: [{', '.join(categories)}]")
    return "\n".join([*lines, "---", body, ""])


def upload(s3: Any, key: str, title: str, date: str, tags: list[str]) -> None:
    """Upload a generated post about its title, without delivering its event."""
    text = make_post_markdown(title, date, tags, body=f"About {title.lower()}.")
    s3.put_object(Bucket=BUCKET_NAME, Key=key, Body=text.encode())
