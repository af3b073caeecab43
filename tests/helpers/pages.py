"""Read pages the way a test needs to: links, and elements by tag and attribute."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

# Related posts are chosen when a post (or one sharing its tags) is published, so an
# in-place rebuild, which sees every post at once, may choose better ones.
RELATED = re.compile(r'<section class="related".*?</section>\n', re.S)


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, {name: value or "" for name, value in attrs}))


def elements(html: str, tag: str, **attrs: str) -> list[dict[str, str]]:
    """Return the attributes of every element with this tag and these attribute values."""
    collector = _Collector()
    collector.feed(html)
    return [
        found
        for name, found in collector.elements
        if name == tag and all(found.get(k.rstrip("_")) == v for k, v in attrs.items())
    ]


def links(html: str) -> list[str]:
    """Return every href and src in a page, stylesheets and feeds included.

    In-page anchors and the canonical link (absolute by design) are left out.
    """
    collector = _Collector()
    collector.feed(html)
    found = [
        attrs.get("href") or attrs.get("src") or ""
        for _, attrs in collector.elements
        if attrs.get("rel") != "canonical"
    ]
    return [link for link in found if link and not link.startswith("#")]


def crawl(client: Any, limit: int = 300) -> dict[str, tuple[int, str]]:
    """Fetch every page reachable from the home page."""
    seen: dict[str, tuple[int, str]] = {}
    queue = ["/"]
    while queue and len(seen) < limit:
        path = queue.pop()
        if path in seen:
            continue
        response = client.http.get(path)
        seen[path] = (response.status_code, RELATED.sub("", response.body.decode()))
        if response.headers.get("Content-Type", "").startswith("text/html"):
            queue += [link for link in links(seen[path][1]) if link not in seen]
    return seen
