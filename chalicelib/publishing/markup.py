"""Markdown to sanitized HTML, run once at ingest. Pure: no AWS."""

from __future__ import annotations

import html
import re
from typing import Any

import markdown
import nh3

from chalicelib.bucket import POST_TO_ROOT
from chalicelib.models import PART_BREAK, join_body
from chalicelib.publishing.parsing import ParseError, strip_non_xml

SUMMARY_WORDS = 55
_EXTENSIONS = ["fenced_code", "tables", "footnotes", "toc", "codehilite", "sane_lists"]
_EXTENSION_CONFIGS: dict[str, dict[str, Any]] = {
    "codehilite": {"css_class": "highlight", "guess_lang": False},
    "toc": {"permalink": "#", "permalink_title": "Link to this section"},
    "footnotes": {"BACKLINK_TITLE": "Back to reference %d"},
}
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_ALLOWED_TAGS = set(nh3.ALLOWED_TAGS) | {"figure", "figcaption"}
_ALLOWED_ATTRIBUTES: dict[str, set[str]] = {
    **{tag: set(attrs) for tag, attrs in nh3.ALLOWED_ATTRIBUTES.items()},
    **{tag: {"id"} for tag in _HEADINGS},
    "a": {"href", "title", "class", "id"},
    "img": {"src", "alt", "title", "width", "height"},
    "span": {"class"},
    "div": {"class", "id"},
    "pre": {"class"},
    "code": {"class"},
    "sup": {"id", "class"},
    "li": {"id", "class"},
    "ol": {"start", "class"},
    "th": {"style", "colspan", "rowspan"},
    "td": {"style", "colspan", "rowspan"},
}
_URL_SCHEMES = {"http", "https", "mailto"}
# A post in posts/ points at an upload in media/ as ../media/x (or /media/x); on the site
# the post lives at /yyyy/mm/slug/, three levels down, under any stage prefix.
_MEDIA_REFERENCE = re.compile(r"^(?:\.\./|/)media/(?P<path>[^?#]+)$")
_PARAGRAPH = re.compile(r"<p>(.*?)</p>", re.DOTALL)
# Every part is linked from every other ("Pages: 1 2 3"), so their number is bounded.
MAX_PARTS = 100
_FENCE = re.compile(r"^[ ]{0,3}(`{3,}|~{3,})")
_PAGE_BREAK_LINE = re.compile(rf"^[ ]{{0,3}}{PART_BREAK}[ \t]*$")


def split_pages(text: str) -> list[str]:
    """Split Markdown at ``<!--nextpage-->`` lines (not in fenced code); drop empty parts.

    WordPress splits a post there into pages; a marker first or last, or two in a row,
    would make an empty page, so such parts are left out.
    """
    parts: list[list[str]] = [[]]
    fence = ""
    for line in text.split("\n"):
        found = _FENCE.match(line)
        if fence:
            closing = found is not None and found.group(1).startswith(fence)
            fence = "" if closing and not line.strip().strip(fence[0]) else fence
        elif found:
            fence = found.group(1)
        elif _PAGE_BREAK_LINE.match(line):
            parts.append([])
            continue
        parts[-1].append(line)
    pages = ["\n".join(lines) for lines in parts if "".join(lines).strip()]
    if len(pages) > MAX_PARTS:
        raise ParseError(
            f"a post has at most {MAX_PARTS} pages (<!--nextpage-->), not {len(pages)}"
        )
    return pages or [text]


def render_post_body(text: str) -> str:
    """Render each page of a post's Markdown (see ``split_pages``), joined as stored."""
    return join_body([render_markdown(part) for part in split_pages(text)])


def render_markdown(text: str) -> str:
    """Render Markdown (raw HTML allowed) and sanitize the result with an allowlist."""
    converter = markdown.Markdown(extensions=_EXTENSIONS, extension_configs=_EXTENSION_CONFIGS)
    # Character references such as &#xFFFF; come out as the characters themselves.
    return strip_non_xml(sanitize_html(converter.convert(text)))


def sanitize_html(fragment: str) -> str:
    """Keep only allowlisted tags, attributes, URL schemes and CSS properties."""
    return nh3.clean(
        fragment,
        tags=_ALLOWED_TAGS,
        attributes=_ALLOWED_ATTRIBUTES,
        url_schemes=_URL_SCHEMES,
        filter_style_properties={"text-align"},
        link_rel="noopener noreferrer",
        # Tables and code blocks scroll sideways in their own box on narrow screens; a
        # keyboard reaches the box to scroll it (axe: scrollable-region-focusable).
        set_tag_attribute_values={
            "img": {"loading": "lazy"},
            "table": {"tabindex": "0"},
            "pre": {"tabindex": "0"},
        },
        attribute_filter=_point_media_at_site,
    )


def _point_media_at_site(tag: str, attribute: str, value: str) -> str:
    if attribute in ("src", "href"):
        found = _MEDIA_REFERENCE.match(value)
        if found:
            return f"{POST_TO_ROOT}media/{found.group('path')}"
    return value


def summarize(body_html: str, words: int = SUMMARY_WORDS) -> str:
    """Make a plain-text excerpt from the first paragraphs of rendered HTML."""
    collected: list[str] = []
    main_text = body_html.split('<div class="footnote">', 1)[0]
    for paragraph in _PARAGRAPH.findall(main_text):
        collected.extend(html_to_text(paragraph).split())
        if len(collected) >= words:
            return " ".join(collected[:words]) + " …"
    return " ".join(collected)


def html_to_text(fragment: str) -> str:
    """Strip all tags and decode entities."""
    return html.unescape(nh3.clean(fragment, tags=set()))
