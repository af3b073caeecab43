"""Read pages the way a test needs to: links, and elements by tag and attribute."""

from __future__ import annotations

from html.parser import HTMLParser


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
