"""What "nothing executable" means for a page, checked element by element."""

from __future__ import annotations

from html.parser import HTMLParser

FORBIDDEN_TAGS = {
    "script",
    "iframe",
    "object",
    "embed",
    "base",
    "meta",
    "frame",
    "applet",
    "svg",
    "math",
    "style",
}
SAFE_SCHEMES = ("http:", "https:", "mailto:")
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster"}


class _Inspector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in FORBIDDEN_TAGS and not (tag == "meta" and _is_harmless_meta(attrs)):
            self.problems.append(f"<{tag}>")
        for name, value in attrs:
            value = (value or "").strip()
            if name.startswith("on"):
                self.problems.append(f"{tag}[{name}]")
            if name in URL_ATTRIBUTES and ":" in value.split("/", 1)[0]:
                if not value.lower().startswith(SAFE_SCHEMES):
                    self.problems.append(f"{tag}[{name}={value[:40]}]")
            if name == "style" and not value.startswith("text-align:"):
                self.problems.append(f"{tag}[style={value[:40]}]")


def _is_harmless_meta(attrs: list[tuple[str, str | None]]) -> bool:
    names = {name for name, _ in attrs}
    return "http-equiv" not in names


def executable_content(html: str) -> list[str]:
    """List what in a page could run script or change where it points; empty when inert."""
    inspector = _Inspector()
    inspector.feed(html)
    return inspector.problems
