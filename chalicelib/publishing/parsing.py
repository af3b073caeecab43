"""Turn an uploaded Markdown file into post metadata and Markdown text. Pure: no AWS."""

from __future__ import annotations

import codecs
import posixpath
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any
from urllib.parse import unquote
from zoneinfo import ZoneInfo

import yaml

from chalicelib.bucket import PAGES_PREFIX
from chalicelib.models import MAX_CATEGORIES, MAX_TAGS, Term
from chalicelib.site import urls
from chalicelib.site.urls import term_key as term_key

MAX_TERM_LENGTH = 100
# A key is a DynamoDB key ("category#<key>" sorts under 1,024 bytes): 100 characters in
# any script fit, but folding can expand one (U+FDFA becomes 18), so the key is capped too.
MAX_TERM_KEY_BYTES = 400
MAX_SLUG_LENGTH = 100
MAX_FRONT_MATTER_CHARS = 64 * 1024
# Byte order marks say the encoding outright; anything else must be UTF-8.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Bidi embeddings, overrides and isolates can disguise a title; right-to-left text stays.
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
_FRONT_MATTER_END = re.compile(r"^(?:---|\.\.\.)[ \t]*$", re.MULTILINE)
# Greedy to the end of the line, closing hashes stripped after: a lazy title followed by
# an optional run of spaces backtracked quadratically on a line padded with spaces.
_H1 = re.compile(r"^#[ \t]+(.+)$", re.MULTILINE)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# Characters XML 1.0 forbids (controls, surrogates, U+FFFE, U+FFFF): one in a title
# would make every feed that lists the post not well-formed.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_NOT_SLUG = re.compile(r"[^\w]+")
_DAY_LIKE = re.compile(r"^\d{1,2}$")
# Old addresses redirect to their post; each is one small item written at publish.
MAX_ALIASES = 20
MAX_AUTHOR_CHARS = 200
MAX_ALIAS_CHARS = 300
# A site path: no scheme or host (a redirect never leaves the site), no spaces or fragments.
_ALIAS = re.compile(r"^/(?!/)[^\s#?\\]*$")
_TERM_FIELDS = frozenset({"name", "slug", "parent"})


class ParseError(ValueError):
    """The file cannot become a post; the message tells the author why."""


@dataclass(frozen=True)
class SourceDocument:
    """An object read from the content bucket."""

    key: str
    body: bytes
    last_modified: datetime
    metadata: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ParsedPost:
    """Front matter resolved against defaults, plus the Markdown body."""

    title: str
    published: datetime
    slug: str
    tags: tuple[Term, ...]
    categories: tuple[Term, ...]
    summary: str | None
    draft: bool
    markdown: str
    via: str | None = None
    menu_order: int = 100
    author: Term | None = None
    aliases: tuple[str, ...] = ()
    parent: str = ""  # a page's parent path, "about" or "about/team"; "" at the top
    sticky: bool = False  # a post listed first on the home page


class _FrontMatterLoader(yaml.SafeLoader):
    """SafeLoader that leaves timestamps as strings and refuses aliases.

    Aliases are what "billion laughs" bombs are built from; front matter never needs them.
    """

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
            raise yaml.composer.ComposerError(None, None, "aliases are not allowed", mark)
        return super().compose_node(parent, index)


_FrontMatterLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def parse_document(doc: SourceDocument, tz: ZoneInfo, max_bytes: int) -> ParsedPost:
    """Parse an uploaded file into a post, or raise ParseError saying what is wrong."""
    text = decode_text(doc.body, max_bytes)
    meta, body = split_front_matter(text)
    title, body = _resolve_title(meta.get("title"), body, doc.key)
    default_date = doc.metadata.get("published") or doc.last_modified
    return ParsedPost(
        title=title,
        published=parse_date(meta.get("date", default_date), tz),
        slug=slugify(_optional_str(meta, "slug") or _file_stem(doc.key)),
        tags=parse_terms(meta.get("tags"), "tags", MAX_TAGS),
        categories=parse_terms(meta.get("categories"), "categories", MAX_CATEGORIES),
        summary=_optional_str(meta, "summary"),
        draft=_parse_bool(meta.get("draft", False), "draft"),
        markdown=body,
        via=_optional_str(meta, "via"),
        menu_order=_parse_int(meta.get("menu_order", 100), "menu_order"),
        author=_author(_optional_str(meta, "author")),
        aliases=parse_aliases(meta.get("aliases")),
        parent=parse_parent(meta.get("parent")) if doc.key.startswith(PAGES_PREFIX) else "",
        sticky=_parse_sticky(meta.get("sticky", False), doc.key),
    )


def _parse_sticky(value: object, key: str) -> bool:
    sticky = _parse_bool(value, "sticky")
    if sticky and key.startswith(PAGES_PREFIX):
        raise ParseError("sticky is for posts only: a page is in the menu, not on the home page")
    return sticky


def parse_parent(value: object) -> str:
    """Read a page's ``parent:``, the path of the page it sits under: ``about/team``.

    Given as ``about``, ``/about/team/`` or an old blog's percent-encoded path, each part
    is made a slug as the parent's own slug was, so the child lands under it.
    """
    if value is None:
        return ""
    if not isinstance(value, str) or len(value) > MAX_ALIAS_CHARS:
        raise ParseError("parent must be the path of a page, such as about or /about/team/")
    parts = [part for part in unquote(value).strip().split("/") if part.strip()]
    if len(parts) >= urls.MAX_PAGE_DEPTH:
        raise ParseError(
            f"pages nest at most {urls.MAX_PAGE_DEPTH} deep: {value[:80]!r} is too deep"
        )
    return "/".join(slugify(part) for part in parts)


def parse_aliases(value: object) -> tuple[str, ...]:
    """Read the old addresses that redirect here: site paths (``/2019/03/15/hello/``)."""
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ParseError("aliases must be a list of old addresses, each starting with /")
    if len(value) > MAX_ALIASES:
        raise ParseError(f"a file may have at most {MAX_ALIASES} aliases; it has {len(value)}")
    return tuple(dict.fromkeys(_alias(v) for v in value))


def _alias(text: str) -> str:
    path, _, query = text.strip().partition("?")
    path = unquote(path)  # readers' requests arrive decoded: /東京/, not /%E6%9D%B1%E4%BA%AC/
    if not _ALIAS.match(path) or len(text) > MAX_ALIAS_CHARS:
        raise ParseError(f"alias {text[:80]!r} must be a site path such as /2019/03/15/hello/")
    if not query:
        return urls.old_path(path)
    name, _, number = query.partition("=")
    if path != "/" or name not in urls.OLD_QUERY_PARAMETERS or not number.isdigit():
        raise ParseError(f"alias {text[:80]!r}: the only queries kept are /?p=N and /?page_id=N")
    return f"/?{name}={int(number)}"


def decode_text(body: bytes, max_bytes: int) -> str:
    """Decode UTF-8 (or UTF-16/32 with a BOM), normalise newlines, drop control characters."""
    if len(body) > max_bytes:
        raise ParseError(f"file is {len(body)} bytes; the limit is {max_bytes}")
    encoding = next((name for bom, name in _BOMS if body.startswith(bom)), "utf-8")
    try:
        text = body.decode(encoding).lstrip("\ufeff")
    except UnicodeDecodeError as exc:
        raise ParseError(
            f"file is not valid {encoding.upper().removesuffix('-SIG')} "
            f"(bad byte at offset {exc.start}); save it as UTF-8"
        ) from exc
    if "\x00" in text:
        raise ParseError("file contains NUL characters; is it a binary file?")
    text = strip_non_xml(_CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n")))
    if not text.strip():
        raise ParseError("file is empty")
    return text


def split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    """Split optional YAML front matter between ``---`` lines from the body."""
    if not text.startswith("---\n"):
        return {}, text
    end = _FRONT_MATTER_END.search(text, 4)
    if end is None:
        raise ParseError("front matter starts with '---' but has no closing '---' line")
    if end.start() > MAX_FRONT_MATTER_CHARS:
        raise ParseError(f"front matter is longer than {MAX_FRONT_MATTER_CHARS} characters")
    try:
        meta = yaml.load(text[4 : end.start()], Loader=_FrontMatterLoader)  # noqa: S506
    except yaml.YAMLError as exc:
        raise ParseError(f"front matter is not valid YAML{_where(exc)}") from exc
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        raise ParseError("front matter must be a mapping of 'field: value' lines")
    return meta, text[end.end() :].lstrip("\n")


def _where(exc: yaml.YAMLError) -> str:
    """Say where in the file YAML choked: where the construct began, else where it broke."""
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    if mark is None:
        return f": {problem}"
    context = getattr(exc, "context", None)
    started = getattr(exc, "context_mark", None)
    if context and started is not None:
        # An unclosed [ or " breaks lines later: its own line is where to look.
        return f" at {_file_position(started)}: {context}, {problem} at {_file_position(mark)}"
    return f" at {_file_position(mark)}: {problem}"


def _file_position(mark: yaml.Mark) -> str:
    # Line 1 of the file is the opening '---'; PyYAML counts lines and columns from 0.
    return f"line {mark.line + 2}, column {mark.column + 1}"


def parse_date(value: object, tz: ZoneInfo) -> datetime:
    """Read an ISO 8601 date or date-time; naive values are in the site time zone."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str):
        moment = _parse_iso(value.strip())
    else:
        raise ParseError(f"date must be an ISO 8601 date or date-time, not {value!r}")
    if moment.tzinfo is None:
        return moment.replace(tzinfo=tz)
    return moment.astimezone(tz)


def parse_terms(value: object, name: str, limit: int) -> tuple[Term, ...]:
    """Read tags or categories from a YAML list or a comma-separated string.

    An entry is a name (its key is made from it) or a mapping ``{name: C++, slug: cpp}``
    giving the key an old blog's URLs used; a category's mapping may add ``parent:``, the
    parent category's slug ("" or null: the top level).
    """
    if value is None:
        return ()
    if isinstance(value, str):
        raw: list[object] = list(value.split(","))
    elif isinstance(value, list):
        raw = value
    else:
        raise ParseError(f"{name} must be a list or a comma-separated string")
    terms: dict[str, Term] = {}
    for item in raw:
        term = _term(item, name)
        if term is not None and len(term.key.encode()) > MAX_TERM_KEY_BYTES:
            raise ParseError(f"{name} {term.name[:80]!r} is too long once folded into its key")
        if term is not None:
            terms.setdefault(term.key, term)
    if len(terms) > limit:
        raise ParseError(f"at most {limit} {name} are allowed, found {len(terms)}")
    return tuple(terms.values())


def _term(item: object, field_name: str) -> Term | None:
    """Read one tag or category: a name, or a mapping of name, slug and (categories) parent."""
    if isinstance(item, dict):
        return _term_mapping(item, field_name)
    if not isinstance(item, str | int | float) or isinstance(item, bool):
        raise ParseError(f"each of {field_name} must be text or a mapping, not {item!r}")
    display = clean_inline(str(item))[:MAX_TERM_LENGTH]
    if not display:
        return None
    key = term_key(display)
    # /tag/./ and /tag/../ are dot segments: browsers resolve them to another page.
    if not key.strip("."):
        raise ParseError(f"{field_name} {display!r} cannot be part of a URL; choose another")
    return Term(key, display)


def _term_mapping(item: dict[Any, Any], field_name: str) -> Term:
    allowed = _TERM_FIELDS if field_name == "categories" else _TERM_FIELDS - {"parent"}
    unknown = sorted(str(k) for k in item if k not in allowed)
    if unknown:
        raise ParseError(
            f"each of {field_name} may give only {', '.join(sorted(allowed))}; "
            f"not {', '.join(unknown)[:80]}"
        )
    named = item.get("name")
    if not isinstance(named, str | int | float) or isinstance(named, bool):
        raise ParseError(f"each mapping in {field_name} needs a name: {item!r:.80}")
    display = clean_inline(str(named))[:MAX_TERM_LENGTH]
    if not display:
        raise ParseError(f"each mapping in {field_name} needs a name: {item!r:.80}")
    given = item.get("slug")
    key = term_key(display) if given is None else parse_term_slug(given, field_name)
    if not key.strip("."):
        raise ParseError(f"{field_name} {display!r} cannot be part of a URL; give it a slug")
    if "parent" not in item:
        return Term(key, display)
    parent = "" if item["parent"] in (None, "") else parse_term_slug(item["parent"], "parent")
    if parent == key:
        raise ParseError(f"category {display!r} cannot be its own parent")
    return Term(key, display, parent)


def parse_term_slug(value: object, field_name: str) -> str:
    """Read a tag or category slug (a key, as in ``/tag/{slug}/``), or raise why it cannot be.

    It may be percent-encoded, as WordPress exports store it; it is folded like a name's key
    (``CPP`` is ``cpp``), but never rewritten: ``/``, white space and dot segments are refused.
    """
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise ParseError(f"a slug in {field_name} must be text, not {value!r:.80}")
    text = str(value)
    slug = unquote(text.strip())
    if not slug or len(slug) > MAX_TERM_LENGTH:
        raise ParseError(
            f"a slug in {field_name} must have 1 to {MAX_TERM_LENGTH} characters: {text[:80]!r}"
        )
    if clean_inline(slug) != slug or _CONTROL.search(slug) or any(c.isspace() for c in slug):
        raise ParseError(f"slug {text[:80]!r} in {field_name} cannot hold spaces or controls")
    if any(c in unicodedata.normalize("NFKC", slug) for c in "/\\"):
        raise ParseError(f"slug {text[:80]!r} in {field_name} cannot hold / or \\")
    key = term_key(slug)
    if not key.strip("."):
        raise ParseError(f"slug {text[:80]!r} in {field_name} cannot be part of a URL")
    return key


def clean_inline(text: str) -> str:
    """Collapse white space and drop bidi controls and non-XML characters from a field."""
    return " ".join(strip_non_xml(_BIDI_CONTROLS.sub("", text)).split())


def strip_non_xml(text: str) -> str:
    """Drop the characters XML 1.0 does not allow, so feeds stay well-formed."""
    return _NOT_XML.sub("", text)


def slugify(text: str) -> str:
    """Make a URL slug in any script: lower case words joined by hyphens."""
    words = _NOT_SLUG.sub("-", unicodedata.normalize("NFKC", text).casefold())
    slug = words.replace("_", "-").strip("-")[:MAX_SLUG_LENGTH].strip("-")
    if not slug:
        raise ParseError(f"cannot make a URL slug from {text!r}; set 'slug:' in front matter")
    # /yyyy/mm/dd/ is the day archive, so a slug must never look like a day.
    return f"post-{slug}" if _DAY_LIKE.match(slug) else slug


def _parse_iso(value: str) -> datetime:
    try:
        if len(value) == 10:
            return datetime.combine(date.fromisoformat(value), time())
        return datetime.fromisoformat(value)
    except ValueError as exc:
        raise ParseError(f"date {value!r} is not a valid ISO 8601 date or date-time") from exc


def _resolve_title(value: object, body: str, key: str) -> tuple[str, str]:
    if value is not None:
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            raise ParseError("title must be text")
        return clean_inline(str(value)), body
    heading = _H1.search(body)
    if heading and not body[: heading.start()].strip():
        # The heading becomes the title, so it is not repeated in the body.
        text = heading.group(1)
        title = text.rstrip(" \t#") or text[:1]
        return clean_inline(title), body[heading.end() :].lstrip("\n")
    stem = clean_inline(_file_stem(key).replace("-", " ").replace("_", " "))
    return stem or clean_inline(key), body


def _author(name: str | None) -> Term | None:
    if name is None:
        return None
    if len(name) > MAX_AUTHOR_CHARS or not 0 < len(term_key(name).encode()) <= 4 * MAX_AUTHOR_CHARS:
        raise ParseError(f"author must be a name of at most {MAX_AUTHOR_CHARS} characters")
    return Term(term_key(name), name)


def _optional_str(meta: dict[str, Any], name: str) -> str | None:
    value = meta.get(name)
    if value is None:
        return None
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise ParseError(f"{name} must be text")
    return clean_inline(str(value)) or None


def _parse_int(value: object, name: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < 1_000_000:
        raise ParseError(f"{name} must be a whole number from 0 to 999999")
    return value


def _parse_bool(value: object, name: str) -> bool:
    if not isinstance(value, bool):
        raise ParseError(f"{name} must be true or false")
    return value


def _file_stem(key: str) -> str:
    return posixpath.splitext(posixpath.basename(key))[0]
