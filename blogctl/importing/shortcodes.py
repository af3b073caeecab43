"""Turn the Hugo shortcodes in a body into Markdown or HTML; list what cannot be turned."""

from __future__ import annotations

import html
import re
from collections.abc import Callable

from blogctl.importing.frontmatter import note

# Resolves a ref/relref target ("post/x.md", "x") to its new address, None if unknown.
Resolver = Callable[[str], str | None]

_ESCAPED = re.compile(r"{{([<%])\s*/\*(.*?)\*/\s*([>%])}}", re.S)
_HIGHLIGHT = re.compile(
    r"{{[<%]\s*highlight\s+(?P<args>.*?)\s*[>%]}}\r?\n?(?P<code>.*?)\r?\n?"
    r"{{[<%]\s*/\s*highlight\s*[>%]}}",
    re.S,
)
# An inline shortcode's body is a Go template, never content: it goes whole.
_INLINE = re.compile(
    r"{{[<%]\s*(?P<name>[\w-]+\.inline)\b.*?[>%]}}.*?{{[<%]\s*/\s*(?P=name)\s*[>%]}}", re.S
)
_TAG = re.compile(r"{{(?P<open>[<%])\s*(?P<close>/)?\s*(?P<name>[\w./-]+)(?P<args>.*?)[>%]}}", re.S)
_ARG = re.compile(r"""(?:(\w+)\s*=\s*)?("(?:[^"\\]|\\.)*"|`[^`]*`|[^\s"`]+)""")
_SAFE_ID = re.compile(r"^[\w-]+$")
_PLACEHOLDER = "\ue010{}\ue011"
_PLACEHOLDER_RE = re.compile("\ue010(\\d+)\ue011")
_VIDEO = {
    "youtube": ("YouTube video", "https://www.youtube.com/watch?v={}"),
    "vimeo": ("Vimeo video", "https://vimeo.com/{}"),
    "instagram": ("Instagram post", "https://www.instagram.com/p/{}/"),
}


def parse_args(text: str) -> tuple[list[str], dict[str, str]]:
    """Split shortcode arguments into positional values and named ones."""
    positional: list[str] = []
    named: dict[str, str] = {}
    for match in _ARG.finditer(text.strip().rstrip("/")):
        key, raw = match.group(1), match.group(2)
        if raw[0] == '"':
            value = re.sub(r"\\(.)", r"\1", raw[1:-1])
        else:
            value = raw.strip("`")
        if key:
            named[key] = value
        else:
            positional.append(value)
    return positional, named


def convert_shortcodes(body: str, resolve: Resolver) -> tuple[str, list[str]]:
    """Convert figure, highlight, video, gist, tweet and ref shortcodes; drop the rest."""
    problems: list[str] = []
    kept: list[str] = []

    def keep(text: str) -> str:
        kept.append(text)
        return _PLACEHOLDER.format(len(kept) - 1)

    body = body.replace("\ue010", "").replace("\ue011", "")
    # {{</* x */>}} is how Hugo writes a shortcode to be shown, not run.
    body = _ESCAPED.sub(lambda m: keep(f"{{{{{m.group(1)}{m.group(2)}{m.group(3)}}}}}"), body)
    body = _HIGHLIGHT.sub(lambda m: _highlight(m.group("args"), m.group("code")), body)
    body = _INLINE.sub(lambda m: _drop(m.group(0), problems), body)
    body = _TAG.sub(lambda m: _convert(m, resolve, problems), body)
    return _PLACEHOLDER_RE.sub(lambda m: kept[int(m.group(1))], body), problems


def _drop(source: str, problems: list[str]) -> str:
    problems.append(note("Hugo shortcode removed", source))
    return ""


def _highlight(args: str, code: str) -> str:
    positional, _ = parse_args(args)
    language = re.sub(r"[^\w+#.-]", "", positional[0]) if positional else ""
    longest = max((len(run) for run in re.findall(r"`{3,}", code)), default=2)
    ticks = "`" * (longest + 1)
    return f"{ticks}{language}\n{code}\n{ticks}"


def _convert(match: re.Match[str], resolve: Resolver, problems: list[str]) -> str:
    # youtube_simple, vimeo_simple and twitter_simple are the privacy variants.
    name = match.group("name").lower().removesuffix("_simple")
    if match.group("close"):
        return ""  # the opening tag was converted or reported already
    positional, named = parse_args(match.group("args"))
    if name == "figure":
        return _figure(named)
    if name in _VIDEO:
        return _video(name, positional, named, match.group(0), problems)
    if name in {"ref", "relref"}:
        target = positional[0] if positional else named.get("path", "")
        return _ref(target, resolve, match.group(0), problems)
    if name == "gist" and len(positional) >= 2 and all(map(_SAFE_ID.match, positional[:2])):
        return f"[Gist {positional[1]}](https://gist.github.com/{positional[0]}/{positional[1]})"
    if name in {"tweet", "x", "twitter"}:
        user, tweet_id = named.get("user", ""), named.get("id", "")
        if _SAFE_ID.match(user) and tweet_id.isdigit():
            return f"[Post by @{user}](https://x.com/{user}/status/{tweet_id})"
    problems.append(note("Hugo shortcode removed", match.group(0)))
    return ""


def _figure(named: dict[str, str]) -> str:
    def attr(key: str) -> str:
        return html.escape(named.get(key, ""), quote=True)

    image = f'<img src="{attr("src")}" alt="{attr("alt")}"'
    for size in ("width", "height"):
        if named.get(size, "").isdigit():
            image += f' {size}="{named[size]}"'
    image += ">"
    if named.get("link"):
        image = f'<a href="{attr("link")}">{image}</a>'
    caption = " ".join(html.escape(named[key]) for key in ("title", "caption") if named.get(key))
    if named.get("attr"):
        caption += f" {html.escape(named['attr'])}"
    figcaption = f"<figcaption>{caption.strip()}</figcaption>" if caption.strip() else ""
    return f"<figure>{image}{figcaption}</figure>"


def _video(
    name: str, positional: list[str], named: dict[str, str], source: str, problems: list[str]
) -> str:
    video_id = named.get("id") or (positional[0] if positional else "")
    if not _SAFE_ID.match(video_id):
        problems.append(note("Hugo shortcode removed", source))
        return ""
    label, url = _VIDEO[name]
    title = named.get("title", label).replace("]", "").replace("[", "")
    return f"[{title}]({url.format(video_id)})"


def _ref(target: str, resolve: Resolver, source: str, problems: list[str]) -> str:
    path, _, anchor = target.partition("#")
    if not path:
        return f"#{anchor}"
    address = resolve(path)
    if address is None:
        problems.append(note("ref target not found", source))
        return ""
    return address + (f"#{anchor}" if anchor else "")
