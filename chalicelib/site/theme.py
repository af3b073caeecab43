"""Jinja2 environment and page rendering. Templates ship inside chalicelib/."""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime
from pathlib import Path

from jinja2 import (
    Environment,
    FileSystemBytecodeCache,
    FileSystemLoader,
    StrictUndefined,
    select_autoescape,
)
from jinja2.bccache import Bucket
from markupsafe import Markup, escape

from chalicelib.config import Settings
from chalicelib.models import LINK_PREFIX
from chalicelib.site import urls
from chalicelib.site.feeds import Feed
from chalicelib.site.views import PageView

_HERE = Path(__file__).parent.parent
_STATIC = _HERE / "static"
TEMPLATE_CACHE = _HERE / "template_cache"


class TemplateCache(FileSystemBytecodeCache):
    """Compiled templates in a folder, keyed by name only so they match wherever it lives.

    Jinja checks each entry against the template's source and the running Python and
    Jinja versions and compiles afresh on any mismatch, so a stale entry costs time only.
    """

    def __init__(self, directory: Path, writable: bool = False) -> None:
        super().__init__(str(directory))
        self._writable = writable

    def get_cache_key(self, name: str, filename: str | None = None) -> str:
        """Key entries by template name: the absolute path differs on Lambda."""
        return hashlib.sha1(name.encode("utf-8")).hexdigest()

    def dump_bytecode(self, bucket: Bucket) -> None:
        """Write only when building the cache: Lambda's code folder is read-only."""
        if self._writable:
            super().dump_bytecode(bucket)


@dataclass(frozen=True)
class StaticFile:
    """A file served from memory under /static/, its URL versioned by content hash."""

    body: str
    content_type: str

    @property
    def version(self) -> str:
        """Return a short hash of the content, for cache-busting URLs."""
        return hashlib.sha256(self.body.encode()).hexdigest()[:12]


STATIC_FILES = {
    "style.css": StaticFile(
        "\n".join((_STATIC / n).read_text(encoding="utf-8") for n in ("style.css", "pygments.css")),
        "text/css; charset=utf-8",
    ),
    "favicon.svg": StaticFile(
        (_STATIC / "favicon.svg").read_text(encoding="utf-8"), "image/svg+xml"
    ),
}


@functools.cache
def environment(cache: TemplateCache | None = None) -> Environment:
    """Build the Jinja environment once per container, reading compiled templates shipped."""
    env = Environment(
        loader=FileSystemLoader(_HERE / "templates"),
        bytecode_cache=cache or TemplateCache(TEMPLATE_CACHE),
        autoescape=select_autoescape(["html", "xml"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        post_url=urls.post_path,
        tag_url=urls.tag_path,
        category_url=urls.category_path,
        page_url=urls.page_path,
        long_date=_long_date,
        rfc822=format_datetime,
    )
    env.globals.update(archive_url=urls.archive_path, with_query=urls.with_query)
    return env


def render_page(view: PageView, settings: Settings, prefix: str, origin: str) -> str:
    """Render a page; ``prefix`` is prepended to every site path (e.g. the API stage)."""
    template = environment().get_template(view.template)
    layout = view.sidebar.layout
    return template.render(
        view.data,
        page=view,
        sidebar=view.sidebar,
        menu_html=_linked(layout.menu_html, prefix),
        sidebar_html=_linked(layout.sidebar_html, prefix),
        site=settings,
        prefix=prefix,
        base_url=origin + prefix,
        static=lambda name: f"{prefix}/static/{name}?v={STATIC_FILES[name].version}",
    )


def render_feed(feed: Feed, kind: str, settings: Settings, base_url: str) -> str:
    """Render a feed as ``rss`` or ``atom`` with absolute URLs."""
    template = environment().get_template(f"{kind}.xml")
    return template.render(feed=feed, site=settings, base_url=base_url)


def render_sitemap(entries: list[tuple[str, datetime | None]], base_url: str) -> str:
    """Render the sitemaps.org urlset."""
    return environment().get_template("sitemap.xml").render(entries=entries, base_url=base_url)


def render_sitemap_index(paths: list[str], base_url: str) -> str:
    """Render the sitemaps.org sitemapindex naming each sitemap."""
    template = environment().get_template("sitemapindex.xml")
    return template.render(paths=paths, base_url=base_url)


def _linked(fragment: str, prefix: str) -> Markup:
    """Put the request's path prefix into a fragment rendered at publish time."""
    return Markup(fragment.replace(LINK_PREFIX, str(escape(prefix))))


def _long_date(moment: datetime) -> str:
    return f"{moment:%B} {moment.day}, {moment:%Y}"
