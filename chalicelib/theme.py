"""The theme: the Jinja environment over templates/, shared by pages and the publish-time layout."""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass, replace
from datetime import date, datetime
from email.utils import format_datetime
from pathlib import Path
from typing import TYPE_CHECKING

from jinja2 import (
    Environment,
    FileSystemBytecodeCache,
    FileSystemLoader,
    StrictUndefined,
    pass_context,
    select_autoescape,
)
from jinja2.bccache import Bucket
from jinja2.runtime import Context
from markupsafe import Markup, escape

from chalicelib import i18n
from chalicelib.config import Settings
from chalicelib.models import LINK_PREFIX
from chalicelib.site import urls

if TYPE_CHECKING:  # the read path's records: rendering needs only their attributes
    from chalicelib.site.feeds import Feed
    from chalicelib.site.monthgrid import MonthCalendar
    from chalicelib.site.views import PageView

# The directory of app.py: the project root locally, the task root in Lambda, where
# `chalice package` puts vendor/'s contents (vendor/templates links to ../templates).
# Found from this file, never from the working directory.
PROJECT_ROOT = Path(__file__).parents[1]
TEMPLATES = PROJECT_ROOT / "templates"
_STATIC = TEMPLATES / "static"
# Compiled templates are Python bytecode for one Python and Jinja version: code, so they
# ship in chalicelib/ (no symbolic link involved), apart from the theme authors edit.
TEMPLATE_CACHE = PROJECT_ROOT / "chalicelib" / "template_cache"
TEMPLATE_EXTENSIONS = ("html", "xml", "txt")


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
def environment(language: str = i18n.SOURCE_LANGUAGE) -> Environment:
    """Build the Jinja environment of a language once per container, on the compiled cache."""
    return build_environment(TEMPLATES, TemplateCache(TEMPLATE_CACHE), language)


def build_environment(
    templates: Path, cache: TemplateCache, language: str = i18n.SOURCE_LANGUAGE
) -> Environment:
    """Build a Jinja environment for the theme in ``templates``, compiled through ``cache``.

    Compiled templates call the environment's gettext when rendered, so one cache serves
    every language.
    """
    env = Environment(
        loader=FileSystemLoader(templates),
        bytecode_cache=cache,
        autoescape=select_autoescape(["html", "xml"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
    )
    # New-style gettext formats its own %(name)s placeholders and escapes their values.
    env.install_gettext_translations(i18n.translations(language), newstyle=True)  # type: ignore[attr-defined]
    env.filters.update(
        post_url=urls.post_path,
        tag_url=urls.tag_path,
        category_url=urls.category_path,
        author_url=urls.author_path,
        page_url=urls.page_path,
        long_date=functools.partial(i18n.long_date, language),
        month_abbr=functools.partial(i18n.month_abbr, language),
        rfc822=format_datetime,
        prefixed=_prefixed,
    )
    env.globals.update(
        archive_url=urls.archive_path,
        with_query=urls.with_query,
        month_year=functools.partial(i18n.month_year, language),
        year_name=functools.partial(i18n.year_name, language),
        day_date=date,
        weekday_names=functools.partial(_weekday_names, language),
    )
    return env


def render_page(view: PageView, settings: Settings, prefix: str, origin: str) -> str:
    """Render a page; ``prefix`` is prepended to every site path (e.g. the API stage)."""
    template = environment(settings.language.ui).get_template(view.template)
    layout = view.sidebar.layout
    calendar = view.sidebar.calendar.starting_on(settings.start_of_week)
    return template.render(
        view.data,
        page=view,
        sidebar=replace(view.sidebar, calendar=calendar),
        menu_html=_linked(layout.menu_html, prefix),
        sidebar_html=_linked(layout.sidebar_html, prefix),
        site=settings,
        prefix=prefix,
        base_url=origin + prefix,
        static=lambda name: f"{prefix}/static/{name}?v={STATIC_FILES[name].version}",
    )


def render_feed(feed: Feed, kind: str, settings: Settings, base_url: str) -> str:
    """Render a feed as ``rss`` or ``atom`` with absolute URLs."""
    template = environment(settings.language.ui).get_template(f"{kind}.xml")
    return template.render(feed=feed, site=settings, base_url=base_url)


def render_sitemap(entries: list[tuple[str, datetime | None]], base_url: str) -> str:
    """Render the sitemaps.org urlset."""
    return environment().get_template("sitemap.xml").render(entries=entries, base_url=base_url)


def render_sitemap_index(paths: list[str], base_url: str) -> str:
    """Render the sitemaps.org sitemapindex naming each sitemap."""
    template = environment().get_template("sitemapindex.xml")
    return template.render(paths=paths, base_url=base_url)


def template_names(env: Environment) -> list[str]:
    """List the theme's templates: its static files are served as they are, not rendered."""
    return env.list_templates(extensions=TEMPLATE_EXTENSIONS)


@pass_context
def _prefixed(context: Context, path: str) -> Markup:
    """Put the render's ``prefix`` (the API stage, or the publish-time marker) before a path."""
    return escape(context["prefix"]) + path


def _linked(fragment: str, prefix: str) -> Markup:
    """Put the request's path prefix into a fragment rendered at publish time."""
    return Markup(fragment.replace(LINK_PREFIX, str(escape(prefix))))


def _weekday_names(language: str, cal: MonthCalendar) -> list[tuple[str, str]]:
    """Label a month grid's columns, from the weekday its weeks start on."""
    # The grid numbers weekdays as WordPress (0 = Sunday), the labels as Python (0 = Monday).
    return i18n.weekday_labels(language, (cal.first_weekday - 1) % 7)
