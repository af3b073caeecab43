"""Turn imported items into the blog's Markdown sources and comment files. Pure: no AWS."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal
from urllib.parse import unquote

import yaml

from blogctl.importing.model import ImportedComment, ImportedItem, ImportedTerm
from chalicelib.bucket import PAGES_PREFIX, POST_SUFFIX, POSTS_PREFIX
from chalicelib.models import MAX_CATEGORIES, MAX_TAGS
from chalicelib.publishing import comments as pipeline_comments
from chalicelib.publishing.build import MAX_TITLE_CHARS, RESERVED_PAGE_SLUGS, require_page_path
from chalicelib.publishing.comments import COMMENTS_SUFFIX
from chalicelib.publishing.parsing import (
    MAX_ALIASES,
    MAX_AUTHOR_CHARS,
    MAX_SLUG_LENGTH,
    MAX_TERM_LENGTH,
    ParseError,
    clean_inline,
    parse_aliases,
    parse_parent,
    parse_term_slug,
    slugify,
    term_key,
)

# What the pipeline will do with a source: publish it, schedule it, or keep it a draft.
Expect = Literal["published", "scheduled", "private"]
_PUBLIC_STATUSES = ("publish", "future")
_WHY_TERM_LIMIT = "one post is published in a single DynamoDB transaction of at most 100 writes"


class Rejected(ValueError):
    """The item cannot become a source; the message says why."""


@dataclass(frozen=True)
class Source:
    """One item as the blog stores it: its key, file bytes, comment file, and report notes."""

    key: str
    body: bytes
    origin: str
    expect: Expect
    notes: tuple[str, ...] = ()
    comments_key: str = ""
    comments_body: bytes | None = None


class SlugRegistry:
    """The slugs one import has given out, per kind, so no two items share a file."""

    def __init__(self) -> None:
        self._taken: dict[str, set[str]] = {"post": set(), "page": set()}

    def claim(self, kind: str, slug: str, under: str = "") -> str:
        """Return ``slug``, or the first free ``slug-2``, ``slug-3``... and take it.

        ``under`` is a nested page's parent path: slugs are unique beneath each parent.
        """
        taken = self._taken.setdefault(kind, set())
        chosen, number = slug, 1
        while (f"{under}/{chosen}" if under else chosen) in taken:
            number += 1
            suffix = f"-{number}"
            chosen = slug[: MAX_SLUG_LENGTH - len(suffix)].rstrip("-") + suffix
        taken.add(f"{under}/{chosen}" if under else chosen)
        return chosen


def source_for(
    item: ImportedItem, slugs: SlugRegistry, now: datetime, markdown: str | None = None
) -> Source:
    """Write an item's source file (front matter, then Markdown); raise Rejected if it cannot."""
    notes: list[str] = list(item.problems)
    draft = item.status not in _PUBLIC_STATUSES
    title = _title(item, notes)
    parent = _page_parent(item, notes) if item.kind == "page" else ""
    slug = _slug(item, title, slugs, notes, parent)
    meta: dict[str, Any] = {"title": title or slug.replace("-", " ").capitalize()}
    if item.date is not None:
        if item.date.tzinfo is None:
            notes.append("its date had no time zone: read in the site's time zone")
        meta["date"] = item.date.isoformat()
    elif item.kind == "post" and not draft:
        # Without a date the pipeline would date it at upload time: a rerun would move it.
        raise Rejected("a public post without a date; give it one in the old blog and re-export")
    meta["slug"] = slug
    if parent:
        meta["parent"] = parent
    author = clean_inline(item.author or item.author_login)[:MAX_AUTHOR_CHARS].strip()
    if term_key(author):
        meta["author"] = author
    _add_terms(meta, "tags", item.tags, MAX_TAGS, notes)
    _add_terms(meta, "categories", item.categories, MAX_CATEGORIES, notes)
    if item.summary.strip():
        meta["summary"] = item.summary.strip()
    meta["draft"] = draft
    if item.sticky and item.kind == "post":
        meta["sticky"] = True  # first on the home page, as WordPress showed it
    if item.kind == "page":
        meta["menu_order"] = min(max(item.menu_order, 0), 999_999)
    # A page's own path is served, not redirected (WordPress's nested /parent/child/).
    own = {f"/{parent}/{slug}/" if parent else f"/{slug}/"} if item.kind == "page" else set()
    aliases = _aliases(tuple(p for p in item.old_paths if unquote(p) not in own), notes)
    if aliases:
        meta["aliases"] = aliases
    prefix = POSTS_PREFIX if item.kind == "post" else PAGES_PREFIX
    name = slug if item.kind == "post" else _page_file_name(parent, slug, slugs)
    key = f"{prefix}{name}{POST_SUFFIX}"
    comments = approved_comments(item.comments, notes)
    return Source(
        key=key,
        body=render_source(meta, item.markdown if markdown is None else markdown),
        origin=item.origin,
        expect=_expect(item, draft, now),
        notes=tuple(notes),
        comments_key=f"{prefix}{name}{COMMENTS_SUFFIX}" if comments else "",
        comments_body=comments,
    )


def render_source(meta: dict[str, Any], markdown: str) -> bytes:
    """Return a source file: YAML front matter between ``---`` lines, then the Markdown."""
    front = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, width=1000)
    return f"---\n{front}---\n\n{markdown.strip()}\n".encode()


def approved_comments(comments: tuple[ImportedComment, ...], notes: list[str]) -> bytes | None:
    """Return the comment file (see docs/import.md), or None when there are no comments.

    Kept within the pipeline's limits, noting what is cut: over them it rejects the post.
    """
    if not comments:
        return None
    ordered = sorted(comments, key=lambda c: (c.date, c.comment_id))
    entries = [_comment_entry(comment, notes) for comment in ordered]
    if len(entries) > pipeline_comments.MAX_COMMENTS:
        notes.append(
            f"kept the first {pipeline_comments.MAX_COMMENTS} of its {len(entries)} comments"
        )
        entries = entries[: pipeline_comments.MAX_COMMENTS]
    body = _comments_json(entries)
    if len(body) > pipeline_comments.MAX_COMMENTS_BYTES:
        # Cut from the newest, by the average size, until the file fits.
        kept = len(entries) * pipeline_comments.MAX_COMMENTS_BYTES // len(body)
        while len(body := _comments_json(entries[:kept])) > pipeline_comments.MAX_COMMENTS_BYTES:
            kept -= 1
        notes.append(f"kept the first {kept} of its {len(entries)} comments (2 MB at most)")
    return body


def _comments_json(entries: list[dict[str, str]]) -> bytes:
    return (json.dumps(entries, ensure_ascii=False, indent=1) + "\n").encode()


def _comment_entry(comment: ImportedComment, notes: list[str]) -> dict[str, str]:
    text = comment.text.strip()
    limit = pipeline_comments.MAX_COMMENT_CHARS
    if len(text) > limit:
        notes.append(f"comment {comment.comment_id} was cut to {limit:,} characters")
        text = text[: limit - 1] + "…"
    return {
        "id": comment.comment_id,
        "parent": comment.parent_id,
        "author": clean_inline(comment.author)[: pipeline_comments.MAX_AUTHOR_CHARS] or "Anonymous",
        "date": comment.date.isoformat(),
        "text": text,
        "url": comment.url,
    }


def _aliases(paths: tuple[str, ...], notes: list[str]) -> list[str]:
    """Keep the old paths the pipeline accepts as aliases, at most its limit, noting the rest."""
    kept: list[str] = []
    for path in dict.fromkeys(paths):
        try:
            kept.extend(alias for alias in parse_aliases([path]) if alias not in kept)
        except ParseError as error:
            notes.append(f"old address dropped, it will not redirect: {error}")
    if len(kept) > MAX_ALIASES:
        notes.append(
            f"kept {MAX_ALIASES} of its {len(kept)} old addresses; these will not "
            f"redirect: {', '.join(kept[MAX_ALIASES:])}"
        )
    return kept[:MAX_ALIASES]


def _expect(item: ImportedItem, draft: bool, now: datetime) -> Expect:
    if draft:
        return "private"
    # The pipeline schedules any post dated later than now, whatever its old status said.
    if item.kind == "post" and item.date is not None and item.date > now:
        return "scheduled"
    return "published"


def _title(item: ImportedItem, notes: list[str]) -> str:
    title = clean_inline(item.title)
    if not title:
        notes.append("it had no title: named after its slug")
    elif len(title) > MAX_TITLE_CHARS:
        notes.append(f"its title was cut to {MAX_TITLE_CHARS} characters")
        title = title[: MAX_TITLE_CHARS - 1].rstrip() + "…"
    return title


def _page_file_name(parent: str, slug: str, slugs: SlugRegistry) -> str:
    """Name a page's file: sources sit directly under pages/, so a nested one after its path."""
    stem = f"{parent.replace('/', '-')}-{slug}" if parent else slug
    # Its slug is in its front matter: the name only needs to be unique and short.
    return slugs.claim("page-file", stem[-MAX_SLUG_LENGTH:].lstrip("-"))


def _page_parent(item: ImportedItem, notes: list[str]) -> str:
    """Return the path a nested page goes under (its parent's), or "" when it cannot nest."""
    old = item.parent_path.strip()
    if not old or old == "/":
        return ""
    if "?" in old:  # the old blog used plain links (/?page_id=2): no path to nest under
        notes.append(f"its parent had no path ({old}): it is a top-level page")
        return ""
    try:
        parent = parse_parent(old)
        root, _, rest = parent.partition("/")
        if root.isdigit() or root in RESERVED_PAGE_SLUGS:
            # Renamed as the parent page itself is (see _slug).
            parent = "/".join(filter(None, [f"page-{root}", rest]))
        require_page_path(f"{parent}/child")
    except ParseError as error:
        notes.append(f"it cannot nest under {old}: {error}; it is a top-level page")
        return ""
    return parent


def _slug(
    item: ImportedItem, title: str, slugs: SlugRegistry, notes: list[str], parent: str = ""
) -> str:
    # WordPress stores non-ASCII slugs percent-encoded (%e6%97%a5): the URL shows them decoded.
    wanted = unquote(item.slug)
    slug = _try_slugify(wanted) or _try_slugify(title)
    if slug is None:
        slug = _try_slugify(item.origin.replace("/", " ")) or "untitled"
        notes.append(f"no usable slug or title: named {slug!r}")
    elif not _try_slugify(wanted):
        notes.append(f"no usable slug: made {slug!r} from its title")
    if item.kind == "page" and not parent and (slug.isdigit() or slug in RESERVED_PAGE_SLUGS):
        notes.append(f"a page cannot be called {slug!r} (the site uses that address)")
        slug = f"page-{slug}"
    chosen = slugs.claim(item.kind, slug, parent)
    if chosen != slug:
        notes.append(f"another {item.kind} of this import is called {slug!r}: named {chosen!r}")
    return chosen


def _try_slugify(text: str) -> str | None:
    try:
        return slugify(text) if text.strip() else None
    except ParseError:
        return None


def _add_terms(
    meta: dict[str, Any],
    name: str,
    terms: tuple[ImportedTerm, ...],
    limit: int,
    notes: list[str],
) -> None:
    """Add the tags or categories the pipeline accepts, capped at its limit, noting the rest.

    A term whose old URL used a slug its name would not give (WordPress's ``cpp`` for
    ``C++``) is written ``{name: C++, slug: cpp}``; a category with a parent adds
    ``parent:`` (the parent's slug). The rest stay plain names.
    """
    kept: dict[str, str | dict[str, str]] = {}
    for term in terms:
        display = clean_inline(term.name)[:MAX_TERM_LENGTH]
        key = _term_slug(term, display, name, notes)
        if not key:
            continue
        entry: dict[str, str] = {"name": display}
        if key != term_key(display):
            entry["slug"] = key
        parent = _term_parent(term, key, name, notes)
        if parent:
            entry["parent"] = parent
        kept.setdefault(key, entry if len(entry) > 1 else display)
    entries = list(kept.values())
    if len(entries) > limit:
        dropped = [e if isinstance(e, str) else e["name"] for e in entries[limit:]]
        notes.append(
            f"kept the first {limit} of its {len(entries)} {name} ({_WHY_TERM_LIMIT}); "
            f"dropped: {', '.join(dropped)}"
        )
        entries = entries[:limit]
    if entries:
        meta[name] = entries


def _term_slug(term: ImportedTerm, display: str, field_name: str, notes: list[str]) -> str:
    """Return a term's key: its old slug when its URL used one, else its name's; "" if none."""
    if term.slug_in_url and display:
        try:
            return parse_term_slug(term.slug, field_name)
        except ParseError as error:
            notes.append(f"{field_name[:-1]} {display!r} keeps only its name: {error}")
    key = term_key(display)
    if not key.strip("."):
        # Only dots (or nothing) cannot be a URL part: /tag/../ would be another page.
        if display:
            notes.append(f"dropped {field_name[:-1]} {display!r}: it cannot be part of a URL")
        return ""
    return key


def _term_parent(term: ImportedTerm, key: str, field_name: str, notes: list[str]) -> str:
    if field_name != "categories" or not term.parent:
        return ""
    try:
        parent = parse_term_slug(term.parent, "parent")
    except ParseError as error:
        notes.append(f"category {term.name!r} is shown at the top level: {error}")
        return ""
    return "" if parent == key else parent
