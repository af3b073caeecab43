"""WordPress HTML to Markdown: blocks, shortcodes, wpautop, markdownify, emoji. Pure."""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import emoji
from bs4 import BeautifulSoup, Tag
from markdownify import ATX, MarkdownConverter  # type: ignore[import-untyped]

_BLOCKS = (
    r"(?:table|thead|tfoot|caption|col|colgroup|tbody|tr|td|th|div|dl|dd|dt|ul|ol|li|pre|"
    r"form|map|area|blockquote|address|style|p|h[1-6]|hr|fieldset|legend|section|article|"
    r"aside|hgroup|header|footer|nav|figure|figcaption|details|menu|summary)"
)
_BLOCK_COMMENT = re.compile(r"<!--\s+/?wp:[^>]*?-->\n?")
_MORE = re.compile(r"<!--more(?:\s.*?)?-->", re.DOTALL)
_NEXTPAGE = re.compile(r"<!--nextpage-->")
MORE_SENTINEL = "BLOGCTLMOREMARKER"  # letters only, so markdownify never escapes it
# markdownify drops HTML comments: <!--nextpage--> crosses it as a paragraph of its own
# and comes back as the marker the pipeline splits pages at, alone on its line.
NEXTPAGE_SENTINEL = "BLOGCTLNEXTPAGEMARKER"
NEXTPAGE = "<!--nextpage-->"
_NEXTPAGE_PARAGRAPH = re.compile(rf"\s*{NEXTPAGE_SENTINEL}\s*")
# WordPress's get_shortcode_regex: [name attrs], [name attrs /], [name]...[/name], [[escaped]].
_SHORTCODE = re.compile(
    r"\[(\[?)([\w-]+)(?![\w-])([^\]/]*(?:/(?!\])[^\]/]*)*?)"
    r"(?:(/)\]|\](?:([^\[]*(?:\[(?!/\2\])[^\[]*)*)\[/\2\])?)(\]?)"
)
_ATTR = re.compile(
    r"""([\w-]+)\s*=\s*"([^"]*)"(?:\s|$)|([\w-]+)\s*=\s*'([^']*)'(?:\s|$)"""
    r"""|([\w-]+)\s*=\s*([^\s'"]+)(?:\s|$)|"([^"]*)"(?:\s|$)|'([^']*)'(?:\s|$)|(\S+)(?:\s|$)"""
)
# Names WordPress core and Jetpack register: removed (with a note) even without attributes.
_KNOWN = frozenset(
    "playlist wpvideo youtube vimeo soundcloud slideshow googlemaps contact-form "
    "contact-field polldaddy crowdsignal tweet twitter-timeline instagram archives "
    "sitemap recipe portfolio testimonials wufoo scribd slideshare dailymotion "
    "flickr ted spotify bandcamp gist latex".split()
)
# A URL alone on its line is an oEmbed in WordPress: here it becomes a link.
_AUTOEMBED = re.compile(r"^([ \t]*)(https?://[^\s<>\"]+)([ \t]*)$", re.MULTILINE)
_CAPTIONED = re.compile(r"((?:<a [^>]+>\s*)?<img [^>]+>(?:\s*</a>)?)(.*)", re.DOTALL | re.I)


@dataclass(frozen=True)
class Attachment:
    """A media item of the export, as [gallery] and [caption] need it."""

    url: str
    title: str = ""
    caption: str = ""


# Finds a gallery's images: (ids from the shortcode, or () for "this post's attachments").
GalleryLookup = Callable[[Sequence[str]], Sequence[Attachment]]


def strip_blocks(text: str) -> tuple[str, bool]:
    """Remove Gutenberg block comments, keep their content; say whether there were any."""
    stripped, count = _BLOCK_COMMENT.subn("", text)
    return stripped, count > 0


def wpautop(text: str, br: bool = True) -> str:
    """Turn blank-line-separated text into paragraphs, as WordPress's wpautop does."""
    if not text.strip():
        return ""
    text = text.replace("\r\n", "\n").replace("\r", "\n") + "\n"
    pre_tags: dict[str, str] = {}

    def keep_pre(found: re.Match[str]) -> str:
        key = f"<pre wp-pre-tag-{len(pre_tags)}></pre>"
        pre_tags[key] = found.group(0)
        return key

    text = re.sub(r"<pre[\s>].*?</pre>", keep_pre, text, flags=re.DOTALL | re.I)
    text = re.sub(r"<br\s*/?>\s*<br\s*/?>", "\n\n", text)
    text = re.sub(r"(<" + _BLOCKS + r"[\s/>])", r"\n\n\1", text)
    text = re.sub(r"(</" + _BLOCKS + r">)", r"\1\n\n", text)
    text = re.sub(r"(<hr\s*?/?>)", r"\1\n\n", text)
    # Newlines inside tags are not paragraph breaks.
    text = re.sub(r"<[^<>]*>", lambda m: m.group(0).replace("\n", " <!-- wpnl --> "), text)
    text = re.sub(r"\s*(<figcaption[^>]*>)", r"\1", text)
    text = re.sub(r"</figcaption>\s*", "</figcaption>", text)
    text = re.sub(r"\n\n+", "\n\n", text)
    paragraphs = [p for p in re.split(r"\n\s*\n", text) if p]
    text = "".join("<p>" + p.strip("\n") + "</p>\n" for p in paragraphs)
    text = re.sub(r"<p>\s*</p>", "", text)
    text = re.sub(r"<p>([^<]+)</(div|address|form)>", r"<p>\1</p></\2>", text)
    text = re.sub(r"<p>\s*(</?" + _BLOCKS + r"[^>]*>)\s*</p>", r"\1", text)
    text = re.sub(r"<p>(<li.+?)</p>", r"\1", text)
    text = re.sub(r"<p><blockquote([^>]*)>", r"<blockquote\1><p>", text, flags=re.I)
    text = text.replace("</blockquote></p>", "</p></blockquote>")
    text = re.sub(r"<p>\s*(</?" + _BLOCKS + r"[^>]*>)", r"\1", text)
    text = re.sub(r"(</?" + _BLOCKS + r"[^>]*>)\s*</p>", r"\1", text)
    if br:
        text = re.sub(
            r"<(script|style|svg|math).*?</\1>",
            lambda m: m.group(0).replace("\n", "<WPPreserveNewline />"),
            text,
            flags=re.DOTALL,
        )
        text = text.replace("<br>", "<br />").replace("<br/>", "<br />")
        text = re.sub(r"(?<!<br />)\s*\n", "<br />\n", text)
        text = text.replace("<WPPreserveNewline />", "\n")
    text = re.sub(r"(</?" + _BLOCKS + r"[^>]*>)\s*<br />", r"\1", text)
    text = re.sub(r"<br />(\s*</?(?:p|li|div|dl|dd|dt|th|pre|td|ul|ol)[^>]*>)", r"\1", text)
    text = re.sub(r"\n</p>$", "</p>", text)
    for key, original in pre_tags.items():
        text = text.replace(key, original)
    return text.replace(" <!-- wpnl --> ", "\n").replace("<!-- wpnl -->", "\n")


def parse_shortcode_attrs(text: str) -> dict[str, str]:
    """Read a shortcode's attributes; positional ones are keyed "0", "1", ..."""
    attrs: dict[str, str] = {}
    position = 0
    for found in _ATTR.finditer(html.unescape(text).replace("\u00a0", " ")):
        groups = found.groups()
        for name, value in ((groups[0], groups[1]), (groups[2], groups[3]), (groups[4], groups[5])):
            if name:
                attrs[name.lower()] = value
                break
        else:
            attrs[str(position)] = next(g for g in groups[6:] if g is not None)
            position += 1
    return attrs


def expand_shortcodes(text: str, gallery: GalleryLookup) -> tuple[str, list[str]]:
    """Turn WordPress shortcodes into HTML; remove the ones we cannot convert, noting them."""
    problems: list[str] = []

    def expand(found: re.Match[str]) -> str:
        if found.group(1) == "[" and found.group(6) == "]":
            return found.group(0)[1:-1]  # [[name]] is how WordPress writes a literal [name]
        name, raw_attrs, body = found.group(2).lower(), found.group(3), found.group(5)
        attrs = parse_shortcode_attrs(raw_attrs)
        converted = _convert_shortcode(name, attrs, body, gallery, problems)
        if converted is not None:
            return converted
        has_named = any(not key.isdigit() for key in attrs)
        if name in _KNOWN or has_named or body is not None:
            problems.append(f"unconverted shortcode [{name}]")
            return ""
        return found.group(0)  # "[sic]" or "[simple boat]": ordinary bracketed text

    return _SHORTCODE.sub(expand, text), problems


def _convert_shortcode(
    name: str, attrs: dict[str, str], body: str | None, gallery: GalleryLookup, problems: list[str]
) -> str | None:
    if name in ("code", "sourcecode"):
        language = attrs.get("lang") or attrs.get("language") or attrs.get("0", "")
        language = re.sub(r"[^\w+#.-]", "", language)
        css = f' class="language-{language}"' if language else ""
        return f"<pre><code{css}>{html.escape((body or '').strip(chr(10)))}</code></pre>"
    if name == "caption":
        return _caption(attrs, body or "")
    if name == "gallery":
        ids = [i for i in re.split(r"[\s,]+", attrs.get("ids", attrs.get("include", ""))) if i]
        images = gallery(ids)
        if not images or len(images) < len(ids):
            missing = len(ids) - len(images) if ids else "all"
            problems.append(f"gallery: {missing} image(s) not in the export")
        if not images:
            return ""
        return "<div>" + "".join(_gallery_image(image) for image in images) + "</div>"
    if name in ("embed", "audio", "video"):
        url = (body or "").strip() if name == "embed" else _media_source(attrs)
        if not url:
            problems.append(f"[{name}] without a source")
            return ""
        label = html.escape(url.rstrip("/").rsplit("/", 1)[-1] or url)
        prefix = "" if name == "embed" else f"{name.capitalize()}: "
        return f'\n\n<p><a href="{html.escape(url)}">{prefix}{label}</a></p>\n\n'
    return None


def _media_source(attrs: dict[str, str]) -> str:
    for key in ("src", "mp3", "m4a", "ogg", "wav", "mp4", "m4v", "webm", "ogv", "0"):
        if attrs.get(key):
            return attrs[key]
    return ""


def _link_line(found: re.Match[str]) -> str:
    url = html.escape(found.group(2))
    return f'<a href="{url}">{url}</a>'


def _caption(attrs: dict[str, str], body: str) -> str:
    found = _CAPTIONED.match(body.strip())
    if not found:
        return body
    image, caption = found.group(1), found.group(2).strip() or attrs.get("caption", "")
    figcaption = f"<figcaption>{caption}</figcaption>" if caption else ""
    return f"\n\n<figure>{image}{figcaption}</figure>\n\n"


def _gallery_image(image: Attachment) -> str:
    alt = html.escape(image.caption or image.title)
    return f'<p><img src="{html.escape(image.url)}" alt="{alt}" /></p>'


class _Converter(MarkdownConverter):  # type: ignore[misc]
    """markdownify, keeping what Markdown cannot say (figures, complex tables) as HTML."""

    def convert_figure(self, el: Tag, text: str, parent_tags: set[str]) -> str:
        classes: list[str] = list(el.get("class") or [])
        if "wp-block-embed" in classes:
            url = el.get_text(" ", strip=True).split(" ")[0]
            return f"\n\n<{url}>\n\n" if url.startswith(("http://", "https://")) else ""
        if el.find("img") is None:
            return text
        return "\n\n" + _one_block(str(el)) + "\n\n"

    def convert_table(self, el: Tag, text: str, parent_tags: set[str]) -> str:
        complex_cell = el.find(["table", "p", "ul", "ol", "pre", "blockquote", "div", "img"])
        spans = el.find(rowspan=True) or el.find(colspan=True)
        if complex_cell is not None or spans is not None or el.find(["th", "td"]) is None:
            return "\n\n" + _one_block(str(el)) + "\n\n"
        return str(super().convert_table(el, text, parent_tags))

    def convert_iframe(self, el: Tag, text: str, parent_tags: set[str]) -> str:
        source = str(el.get("src") or "")
        return f"\n\n<{source}>\n\n" if source.startswith(("http://", "https://")) else ""


def _one_block(fragment: str) -> str:
    # Raw HTML in Markdown ends at a blank line: keep the element one block.
    return re.sub(r"\n\s*\n", "\n", fragment).strip()


def _code_language(el: Tag) -> str:
    code = el.find("code")
    for node in (el, code) if isinstance(code, Tag) else (el,):
        for css in node.get("class") or []:
            if css.startswith(("language-", "lang-")):
                return str(css.split("-", 1)[1])
        brush = re.search(r"brush:\s*([\w+#-]+)", " ".join(node.get("class") or []))
        if brush:
            return brush.group(1)
    return ""


def html_to_markdown(fragment: str) -> str:
    """Convert HTML to Markdown: ATX headings, fenced code, "-" bullets."""
    soup = BeautifulSoup(fragment, "html.parser")
    converter = _Converter(
        heading_style=ATX,
        bullets="-",
        code_language_callback=_code_language,
        escape_misc=False,
    )
    markdown = str(converter.convert_soup(soup))
    return re.sub(r"\n{3,}", "\n\n", markdown).strip() + "\n" if markdown.strip() else ""


def find_media(fragment: str) -> list[str]:
    """List the files an HTML body references (img src, srcset, uploads links), in order."""
    soup = BeautifulSoup(fragment, "html.parser")
    found: list[str] = []
    for tag in soup.find_all(True):
        candidates = [str(tag.get("src") or "")]
        candidates += [
            part.strip().split(" ")[0] for part in str(tag.get("srcset") or "").split(",")
        ]
        href = str(tag.get("href") or "")
        if tag.name == "a" and _is_file_link(href):
            candidates.append(href)
        found.extend(c for c in candidates if c and not c.startswith("data:") and c not in found)
    return found


def _is_file_link(href: str) -> bool:
    path = href.split("?", 1)[0].split("#", 1)[0].lower()
    return "/wp-content/uploads/" in path or bool(
        re.search(r"\.(jpe?g|png|gif|webp|svg|pdf|mp3|m4a|ogg|wav|mp4|m4v|webm|mov|zip)$", path)
    )


_CODE_SPANS = re.compile(r"(^```.*?^```[ \t]*$|`[^`\n]+`)", re.DOTALL | re.MULTILINE)


def emojize(markdown: str) -> str:
    """Turn :alias: codes into emoji, leaving code blocks and code spans alone."""
    parts = _CODE_SPANS.split(markdown)
    return "".join(
        part if index % 2 else emoji.emojize(part, language="alias")
        for index, part in enumerate(parts)
    )


@dataclass(frozen=True)
class ConvertedBody:
    """A WordPress body as Markdown, with its lead (text before <!--more-->) if marked."""

    markdown: str
    lead: str
    media: tuple[str, ...]
    problems: tuple[str, ...]


def convert_body(text: str, gallery: GalleryLookup) -> ConvertedBody:
    """Convert a post's content:encoded as WordPress would render it, then to Markdown."""
    problems: list[str] = []
    text, has_blocks = strip_blocks(text.replace("\r\n", "\n"))
    text = _MORE.sub(f"\n\n{MORE_SENTINEL}\n\n", text, count=1)
    text = _MORE.sub("", text)
    text = _NEXTPAGE.sub(f"\n\n{NEXTPAGE_SENTINEL}\n\n", text)
    text, shortcode_problems = expand_shortcodes(text, gallery)
    problems.extend(shortcode_problems)
    if not has_blocks:  # WordPress skips wpautop for block content
        text = wpautop(_AUTOEMBED.sub(_link_line, text))
    markdown = emojize(html_to_markdown(text))
    lead = ""
    if MORE_SENTINEL in markdown:
        before, after = markdown.split(MORE_SENTINEL, 1)
        lead = before.strip() + "\n" if before.strip() else ""
        markdown = (before.rstrip() + "\n\n" + after.lstrip()).strip() + "\n"
    # The summary is of the whole post: a page break before <!--more--> only separates.
    if NEXTPAGE_SENTINEL in lead:
        lead = _NEXTPAGE_PARAGRAPH.sub("\n\n", lead).strip() + "\n"
    if NEXTPAGE_SENTINEL in markdown:
        markdown = _NEXTPAGE_PARAGRAPH.sub(f"\n\n{NEXTPAGE}\n\n", markdown).strip() + "\n"
    return ConvertedBody(markdown, lead, tuple(find_media(text)), tuple(problems))


def convert_fragment(text: str) -> str:
    """Convert a comment or an excerpt (no shortcodes run there) to Markdown."""
    return emojize(html_to_markdown(wpautop(strip_blocks(text)[0])))
