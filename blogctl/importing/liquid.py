"""Turn the Liquid in a Jekyll body into plain Markdown; list what cannot be turned."""

from __future__ import annotations

import re
from collections.abc import Callable

from blogctl.importing.frontmatter import note

# Resolves a `{% link %}` source path or a `{% post_url %}` name to its new address.
Resolver = Callable[[str, str], str | None]

_RAW = re.compile(r"{%-?\s*raw\s*-?%}(.*?){%-?\s*endraw\s*-?%}", re.S)
_COMMENT = re.compile(r"{%-?\s*comment\s*-?%}.*?{%-?\s*endcomment\s*-?%}", re.S)
_HIGHLIGHT = re.compile(
    r"{%-?\s*highlight\s+([\w+#.-]+)[^%]*?-?%}\r?\n?(.*?)\r?\n?{%-?\s*endhighlight\s*-?%}", re.S
)
_LINK = re.compile(r"{%-?\s*(link|post_url)\s+(.+?)\s*-?%}")
_SITE_URL = re.compile(r"{{-?\s*site\.(?:base)?url\s*-?}}")
_SITE_VALUE = re.compile(r"{{-?\s*site\.(\w+)\s*-?}}")
_URL_FILTER = re.compile(
    r"{{-?\s*(?P<q>[\"'])(?P<path>[^\"']*)(?P=q)\s*\|\s*(?:relative_url|absolute_url)\s*-?}}"
)
_ANY_TAG = re.compile(r"{%.*?%}|{{.*?}}", re.S)
_PLACEHOLDER = "\ue000{}\ue001"
_PLACEHOLDER_RE = re.compile("\ue000(\\d+)\ue001")


def convert_liquid(
    body: str, resolve: Resolver, site: dict[str, str] | None = None
) -> tuple[str, list[str]]:
    """Convert raw, highlight, link and post_url tags and {{ site.x }}; drop other Liquid."""
    values = site or {}
    problems: list[str] = []
    kept: list[str] = []

    def keep(text: str) -> str:
        kept.append(text)
        return _PLACEHOLDER.format(len(kept) - 1)

    # Raw first: nothing inside it is Liquid. Comments go whole, as Jekyll drops them.
    body = body.replace("\ue000", "").replace("\ue001", "")
    body = _RAW.sub(lambda match: keep(match.group(1)), body)
    body = _COMMENT.sub("", body)
    # Jekyll renders Liquid inside highlight blocks, so their code goes through the rest too.
    body = _HIGHLIGHT.sub(lambda match: _fence(match.group(1), match.group(2)), body)
    body = _URL_FILTER.sub(lambda match: match.group("path"), body)
    body = _SITE_URL.sub("", body)
    # Plain text settings from _config.yml ({{ site.repository }}) are what Jekyll printed.
    body = _SITE_VALUE.sub(lambda m: values.get(m.group(1), m.group(0)), body)
    body = _LINK.sub(lambda match: _link(match, resolve, problems), body)

    def drop(match: re.Match[str]) -> str:
        problems.append(note("Liquid removed", match.group(0)))
        return ""

    body = _ANY_TAG.sub(drop, body)
    return _PLACEHOLDER_RE.sub(lambda match: kept[int(match.group(1))], body), problems


def _fence(language: str, code: str) -> str:
    longest = max((len(run) for run in re.findall(r"`{3,}", code)), default=2)
    ticks = "`" * (longest + 1)
    return f"{ticks}{language}\n{code}\n{ticks}"


def _link(match: re.Match[str], resolve: Resolver, problems: list[str]) -> str:
    kind, target = match.group(1), match.group(2).strip().strip("\"'")
    address = resolve(kind, target)
    if address is None:
        problems.append(note(f"{kind} target not found", match.group(0)))
        return ""
    return address
