"""From a parsed source file to the post or static page it publishes. Pure: no AWS."""

from __future__ import annotations

from dataclasses import replace

from chalicelib.config import Settings
from chalicelib.models import Post, StaticPage, with_comments
from chalicelib.publishing.markup import render_markdown, render_post_body, summarize
from chalicelib.publishing.parsing import ParseError, SourceDocument, parse_document
from chalicelib.site.urls import MAX_PAGE_DEPTH
from chalicelib.storage import bodies

# Static pages live at /{slug}/, beside these routes: a page may not take their names.
RESERVED_PAGE_SLUGS = {
    "tag",
    "category",
    "feed",
    "search",
    "static",
    "media",
    "sitemap-xml",
    "robots-txt",
}
# Nested pages are also served beside these routes (/author/{key}/, /sitemaps/{name}):
# /author/ may be a page, but a page under it would never be reached.
RESERVED_PAGE_ROOTS = RESERVED_PAGE_SLUGS | {"author", "sitemaps"}
# A post's title and summary are copied into every listing it appears in (up to 21
# items in its transaction, 4 MB in all), so both are bounded; the body is not.
MAX_TITLE_CHARS = 1000
MAX_SUMMARY_CHARS = 1000
# A page is one Lambda response (at most 6 MB with the layout around the post), and
# highlighted code can render to 20 times its size: a post must fit with room to spare.
MAX_RENDERED_BYTES = 4_000_000


def build_post(doc: SourceDocument, settings: Settings) -> Post:
    """Parse and render an uploaded file into a post. Pure; raises ParseError."""
    parsed = parse_document(doc, settings.timezone, settings.max_post_bytes)
    if len(parsed.title) > MAX_TITLE_CHARS:
        raise ParseError(
            f"the title is {len(parsed.title)} characters; the limit is {MAX_TITLE_CHARS}"
        )
    html = render_post_body(parsed.markdown)
    _require_size(html, MAX_RENDERED_BYTES, "post")
    summary = parsed.summary or summarize(html)
    if len(summary) > MAX_SUMMARY_CHARS:
        summary = summary[: MAX_SUMMARY_CHARS - 1].rstrip() + "…"
    return Post(
        slug=parsed.slug,
        title=parsed.title,
        published=parsed.published,
        tags=parsed.tags,
        categories=parsed.categories,
        summary=summary,
        html=html,
        source_key=doc.key,
        draft=parsed.draft,
        via=parsed.via,
        author=parsed.author,
        aliases=parsed.aliases,
        sticky=parsed.sticky,
    )


def _require_size(html: str, limit: int, kind: str) -> None:
    size = len(html.encode())
    if size > limit:
        raise ParseError(
            f"the {kind} renders to {size:,} bytes of HTML; the limit is {limit:,}: "
            "split it, or shorten its code blocks and tables"
        )


def build_page(doc: SourceDocument, settings: Settings) -> StaticPage:
    """Parse and render a static page. Pure; raises ParseError."""
    parsed = parse_document(doc, settings.timezone, settings.max_post_bytes)
    path = f"{parsed.parent}/{parsed.slug}" if parsed.parent else parsed.slug
    require_page_path(path)
    html = render_markdown(parsed.markdown)
    # A page's body stays in its item (a static page is small): it must fit there.
    _require_size(html, bodies.INLINE_HTML_BYTES, "page")
    summary = parsed.summary or summarize(html)
    # Its own address is served, not redirected: an alias equal to it would only shadow it.
    aliases = tuple(alias for alias in parsed.aliases if alias != f"/{path}/")
    return StaticPage(
        path, parsed.title, html, summary, parsed.menu_order, doc.key, parsed.draft, aliases
    )


def page_with_comments(page: StaticPage, comments_html: str) -> StaticPage:
    """Add a page's rendered comments below its body; raise ParseError if it then won't fit."""
    html = with_comments(page.html, comments_html)
    # The comments are stored in the page's item with its body: together they must fit.
    size = len(html.encode())
    if size > bodies.INLINE_HTML_BYTES:
        raise ParseError(
            f"the page with its comments renders to {size:,} bytes of HTML; the limit is "
            f"{bodies.INLINE_HTML_BYTES:,}: shorten the page or remove some comments"
        )
    return replace(page, html=html)


def require_page_path(path: str) -> None:
    """Refuse a page path that a site route or a date archive answers; raise ParseError."""
    root, nested = path.split("/", 1)[0], "/" in path
    if root.isdigit() or root in RESERVED_PAGE_SLUGS or (nested and root in RESERVED_PAGE_ROOTS):
        raise ParseError(f"a page cannot be called {path!r}: the site uses that address")
    if path.count("/") >= MAX_PAGE_DEPTH:
        raise ParseError(f"pages nest at most {MAX_PAGE_DEPTH} deep: {path!r} is deeper")
