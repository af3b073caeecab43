"""Shared pieces of the static-site readers: front matter, dates, terms, emoji, media."""

from __future__ import annotations

import html
import re
import tomllib
import unicodedata
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, time, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import emoji
import yaml

from blogctl.importing.model import ImportedTerm

# A source file bigger than this is not a blog post: refuse it rather than load it whole.
MAX_SOURCE_BYTES = 8 * 1024 * 1024
# YAML aliases can make a small file expand hugely ("billion laughs"); front matter is short.
MAX_FRONT_MATTER_BYTES = 256 * 1024

_YAML_FENCE = re.compile(r"\A---[ \t]*\r?\n(.*?)(?:^|\r?\n)---[ \t]*(?:\r?\n|\Z)", re.S | re.M)
_TOML_FENCE = re.compile(
    r"\A\+\+\+[ \t]*\r?\n(.*?)(?:^|\r?\n)\+\+\+[ \t]*(?:\r?\n|\Z)", re.S | re.M
)
_NOT_SLUG = re.compile(r"[\W_]+")
_NOT_PRETTY_SLUG = re.compile(r"[^\w.~!$&'()+,;=@]+|_+")
# Fenced blocks, inline code spans and HTML code elements: text there stays as written.
_CODE = re.compile(
    r"^(?P<fence>[ \t]{0,3}(?:`{3,}|~{3,})).*?(?:^(?P=fence)[ \t]*$|\Z)"
    r"|(?P<ticks>`+)(?!`).+?(?<!`)(?P=ticks)(?!`)"
    r"|<(?P<tag>pre|code)\b.*?</(?P=tag)\s*>",
    re.S | re.M | re.I,
)
_MEDIA = re.compile(
    r"!\[[^\]]*\]\(\s*<?(?P<md>[^)\s>]+)"
    r"|<(?:img|source|video|audio)\b[^>]*?\bsrc\s*=\s*[\"'](?P<html>[^\"']+)[\"']",
    re.I,
)


class SourceError(ValueError):
    """A source file that cannot be read as a page with front matter."""


def read_source(path: Path) -> str:
    """Read one source file as UTF-8 text, refusing huge files."""
    if path.stat().st_size > MAX_SOURCE_BYTES:
        raise SourceError(f"{path.name} is larger than {MAX_SOURCE_BYTES} bytes")
    return path.read_text(encoding="utf-8", errors="replace").lstrip("\ufeff")


def has_front_matter(text: str) -> bool:
    """Tell whether a file starts with a YAML or TOML front matter fence."""
    return text.startswith(("---", "+++"))


def split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    """Split a source into its front matter (YAML --- or TOML +++) and its body."""
    for fence, load in ((_YAML_FENCE, _load_yaml), (_TOML_FENCE, _load_toml)):
        match = fence.match(text)
        if match:
            return load(match.group(1)), text[match.end() :]
    if has_front_matter(text):
        raise SourceError("front matter is not closed")
    return {}, text


def load_config_text(text: str, suffix: str) -> dict[str, Any]:
    """Parse a site configuration file by its suffix (.toml, .yaml/.yml or .json)."""
    if suffix == ".toml":
        return _load_toml(text)
    # JSON is a subset of YAML 1.2, close enough for configuration files.
    return _load_yaml(text)


def _load_yaml(text: str) -> dict[str, Any]:
    if len(text.encode()) > MAX_FRONT_MATTER_BYTES:
        raise SourceError("front matter is too large")
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise SourceError(f"front matter is not valid YAML: {_first_line(error)}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise SourceError("front matter is not a mapping")
    return {str(key): value for key, value in data.items()}


def _load_toml(text: str) -> dict[str, Any]:
    if len(text.encode()) > MAX_FRONT_MATTER_BYTES:
        raise SourceError("front matter is too large")
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise SourceError(f"front matter is not valid TOML: {_first_line(error)}") from None


def _first_line(error: Exception) -> str:
    return str(error).splitlines()[0] if str(error) else type(error).__name__


def site_timezone(name: object) -> tzinfo:
    """Return the named time zone, or UTC when it is missing or unknown."""
    if isinstance(name, str) and name.strip():
        try:
            return ZoneInfo(name.strip())
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return UTC


def parse_date(value: object, zone: tzinfo) -> datetime | None:
    """Read a front matter date (YAML/TOML value or text); naive times are in `zone`."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, time())
    elif isinstance(value, str) and value.strip():
        parsed = _parse_date_text(value.strip())
        if parsed is None:
            return None
        moment = parsed
    else:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


def _parse_date_text(text: str) -> datetime | None:
    # Jekyll writes "2016-05-20 21:21:29 +0200"; Hugo writes RFC 3339 or a bare day.
    text = re.sub(r"\s+([+-]\d{2}):?(\d{2})$", r"\1\2", text)
    text = re.sub(r"(?i)z$", "+0000", text)
    for pattern in (
        "%Y-%m-%dT%H:%M:%S%z",
        "%Y-%m-%d %H:%M:%S%z",
        "%Y-%m-%dT%H:%M:%S.%f%z",
        "%Y-%m-%d %H:%M:%S.%f%z",
        "%Y-%m-%dT%H:%M%z",
        "%Y-%m-%d %H:%M%z",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%d",
    ):
        try:
            return datetime.strptime(text, pattern)
        except ValueError:
            continue
    return None


def text_value(value: object) -> str:
    """Return a front matter scalar as text ("" for lists, maps and nothing)."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool) or value is None or isinstance(value, (list, dict)):
        return ""
    return str(value)


def first_text(value: object) -> str:
    """Return a scalar's text, or a list's first scalar (Hugo's author: [..])."""
    if isinstance(value, list):
        return next((text_value(entry) for entry in value if text_value(entry)), "")
    return text_value(value)


def name_list(value: object, split_spaces: bool = False) -> list[str]:
    """Read a list of names: a YAML list, or one string (split on spaces if asked)."""
    if isinstance(value, str):
        return value.split() if split_spaces else ([value.strip()] if value.strip() else [])
    if isinstance(value, list):
        return [text for text in (text_value(entry) for entry in value) if text]
    text = text_value(value)
    return [text] if text else []


def slugify(text: str) -> str:
    """Make Jekyll's default slug: lower case letters and digits joined by hyphens."""
    return _NOT_SLUG.sub("-", unicodedata.normalize("NFKC", text)).strip("-").lower()


def slugify_pretty(text: str) -> str:
    """Make Jekyll's "pretty" slug (case kept, URL-safe punctuation kept), used by :title."""
    return _NOT_PRETTY_SLUG.sub("-", unicodedata.normalize("NFKC", text)).strip("-")


def make_terms(names: Iterable[str]) -> tuple[ImportedTerm, ...]:
    """Make terms from names, one per slug, in the order first seen."""
    terms: dict[str, ImportedTerm] = {}
    for name in names:
        slug = slugify(name)
        if slug and slug not in terms:
            terms[slug] = ImportedTerm(name=name, slug=slug)
    return tuple(terms.values())


def titleize(stem: str) -> str:
    """Make a title from a file name's words, as Jekyll does when a post has none."""
    return " ".join(word.capitalize() for word in re.split(r"[-_\s]+", stem) if word)


def outside_code(markdown: str, convert: Callable[[str], str]) -> str:
    """Apply `convert` to the Markdown outside code blocks, code spans and <pre>/<code>."""
    parts: list[str] = []
    position = 0
    for match in _CODE.finditer(markdown):
        parts.append(convert(markdown[position : match.start()]))
        parts.append(match.group(0))
        position = match.end()
    parts.append(convert(markdown[position:]))
    return "".join(parts)


def emojize(markdown: str) -> str:
    """Turn emoji codes such as :bug: into emoji, outside code."""
    return outside_code(markdown, lambda text: emoji.emojize(text, language="alias"))


def find_media(markdown: str) -> tuple[str, ...]:
    """List the images, audio and video the body references, as written, once each."""
    found: dict[str, None] = {}
    for match in _MEDIA.finditer(markdown):
        found.setdefault(html.unescape(match.group("md") or match.group("html")), None)
    return tuple(found)


def post_address(date: datetime | None, slug_source: str) -> str:
    """Give a post's address on the new blog: /yyyy/mm/slug/."""
    slug = slugify(slug_source)
    return f"/{date:%Y}/{date:%m}/{slug}/" if date else f"/{slug}/"


def parent_path(url: str) -> str:
    """Return the folder an old page's address sits in: ``/docs/`` for ``/docs/install/``.

    "" for a top-level page. The new page nests there, so its path stays the same.
    """
    parts = [part for part in url.split("?", 1)[0].split("/") if part]
    return "/" + "/".join(parts[:-1]) + "/" if len(parts) > 1 else ""


def page_address(url: str, slug: str) -> str:
    """Give a page's address on the new blog: its slug under its old folder."""
    return f"{parent_path(url) or '/'}{slug}/"


def as_path(url: str) -> str:
    """Make a site path start and, unless it names a file, end with a slash."""
    path = "/" + url.strip().lstrip("/")
    path = re.sub(r"/{2,}", "/", path)
    last = path.rsplit("/", 1)[-1]
    return path if path.endswith("/") or "." in last else path + "/"


def note(kind: str, source: str) -> str:
    """Describe something that was not converted, quoting at most 80 characters of it."""
    snippet = " ".join(source.split())
    return f"{kind}: {snippet[:77] + '...' if len(snippet) > 80 else snippet}"
