"""What changed between two versions of a source, in one line. Pure: no AWS."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from chalicelib.publishing.parsing import (
    ParseError,
    SourceDocument,
    decode_text,
    parse_document,
    split_front_matter,
)

# History reads any version, even one publishing would refuse as too large.
_ANY_SIZE = 1 << 30
_SOMETIME = datetime(2000, 1, 1, tzinfo=UTC)
_SHOWN_CHARS = 60


@dataclass(frozen=True)
class Outline:
    """The parts of a source a change summary names."""

    title: str
    date: str  # as written in the front matter, "" without one
    tags: tuple[str, ...]
    body: str
    problem: str = ""  # why the file cannot be published, if it cannot
    draft: bool = False


def outline(key: str, body: bytes) -> Outline:
    """Read a source's title, date, tags and text with the engine's own parser."""
    try:
        text = decode_text(body, _ANY_SIZE)
        meta, _ = split_front_matter(text)
        parsed = parse_document(SourceDocument(key, body, _SOMETIME), ZoneInfo("UTC"), _ANY_SIZE)
    except (ParseError, ValueError) as error:
        return Outline("", "", (), body.decode("utf-8", "replace"), str(error))
    date = meta.get("date")
    return Outline(
        parsed.title,
        "" if date is None else str(date),
        tuple(t.name for t in parsed.tags),
        parsed.markdown,
        draft=parsed.draft,
    )


def summarize_history(key: str, bodies: list[bytes | None]) -> list[str]:
    """Summarize each version against the one before it; oldest first, None for a deletion."""
    summaries = []
    previous: Outline | None = None
    deleted = False
    for body in bodies:
        if body is None:
            summaries.append("deleted")
            deleted = previous is not None
            continue
        current = outline(key, body)
        summary = describe_change(previous, current)
        summaries.append(f"back after deletion; {summary}" if deleted else summary)
        previous, deleted = current, False
    return summaries


def describe_change(before: Outline | None, after: Outline) -> str:
    """Say in one line how ``after`` differs from ``before`` (None: it is new)."""
    if after.problem:
        return f"cannot be published: {_short(after.problem)}"
    if before is None:
        return f"created: {_quoted(after.title)}" + (" (draft)" if after.draft else "")
    changes = []
    if after.draft != before.draft:
        changes.append("made a draft" if after.draft else "draft: true removed (public)")
    if after.title != before.title:
        changes.append(f"title {_quoted(before.title)} -> {_quoted(after.title)}")
    if after.date != before.date:
        changes.append(f"date {before.date or '(none)'} -> {after.date or '(none)'}")
    added = [f"+{tag}" for tag in after.tags if tag not in before.tags]
    removed = [f"-{tag}" for tag in before.tags if tag not in after.tags]
    if added or removed:
        changes.append("tags " + " ".join(added + removed))
    if after.body != before.body:
        changes.append("text edited")
    return "; ".join(changes) or "no visible change"


def _quoted(title: str) -> str:
    return f'"{_short(title)}"'


def _short(text: str) -> str:
    line = " ".join(text.split())
    return line if len(line) <= _SHOWN_CHARS else line[: _SHOWN_CHARS - 1] + "…"
