"""The menu and sidebar around every page, rebuilt and rendered at publish time."""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass

from markupsafe import Markup

from chalicelib import i18n, theme
from chalicelib.models import (
    LINK_PREFIX,
    Layout,
    MenuEntry,
    PostSummary,
    SiteIndex,
    Term,
    TermCount,
)
from chalicelib.publishing.categories import CategoryNode, nest_categories
from chalicelib.storage.items import summary_attributes
from chalicelib.storage.store import BlogStore

MENU_CATEGORIES = 6
# The layout is one DynamoDB item (400 KB at most) read by every page, so what it shows
# is bounded whatever the blog holds: the most used tags and categories (every one
# keeps its page and its sitemap entry), and titles cut to a line.
CLOUD_TAGS = 100
SIDEBAR_CATEGORIES = 50
MENU_PAGES = 50
SHOWN_TITLE_CHARS = 200
# What the rendered fragments may take of the item; over it, the lists are halved. The
# sticky posts' summaries (at most 10, about 20 KB each at the title, summary and term
# limits) come out of the same budget, so the item stays under 400 KB.
LAYOUT_BUDGET = 300_000


@dataclass(frozen=True)
class CloudTag:
    """A tag in the sidebar cloud, weighted 1 to 5 by its post count."""

    term: Term
    count: int
    weight: int


@dataclass(frozen=True)
class LayoutContent:
    """What the menu and sidebar widgets show, in display order."""

    categories: tuple[CategoryNode, ...]  # the top level, each with its children nested
    tags: list[CloudTag]
    recent: tuple[PostSummary, ...]
    menu: list[TermCount]
    pages: tuple[MenuEntry, ...]


def refresh_layout(store: BlogStore) -> bool:
    """Rebuild the stored layout from the table; False if a newer one is already stored."""
    generation, index = store.reads.site_index()
    # Read after the generation, like the index: a layout never claims newer than it shows.
    sticky = store.reads.sticky_posts()
    store.layout.delete_empty_counters(index.empty_counters)
    menu_html, sidebar_html = bounded_fragments(index, LAYOUT_BUDGET - sticky_bytes(sticky))
    layout = Layout(
        menu_html,
        sidebar_html,
        index.months,
        index.latest_days,
        index.total_posts,
        sticky,
        language=i18n.publishing_language(),
    )
    return store.layout.save(layout, generation)


def sticky_bytes(sticky: tuple[PostSummary, ...]) -> int:
    """Return about what the sticky posts take of the layout item (their JSON in UTF-8)."""
    return sum(len(json.dumps(summary_attributes(p), ensure_ascii=False).encode()) for p in sticky)


def bounded_fragments(index: SiteIndex, budget: int = LAYOUT_BUDGET) -> tuple[str, str]:
    """Render the menu and sidebar within ``budget`` bytes, halving the lists until they fit."""
    limit = max(CLOUD_TAGS, SIDEBAR_CATEGORIES, MENU_PAGES)
    while True:
        menu_html, sidebar_html = render_fragments(layout_content(index, limit))
        if len(menu_html.encode()) + len(sidebar_html.encode()) <= budget or limit == 0:
            return menu_html, sidebar_html
        limit //= 2


def layout_content(index: SiteIndex, limit: int = CLOUD_TAGS) -> LayoutContent:
    """Sort, weigh and cap the site index for display: at most ``limit`` of each list. Pure."""
    by_count = sorted(index.categories, key=lambda c: (-c.count, c.term.name.casefold()))
    top_tags = sorted(index.tags, key=lambda t: (-t.count, t.term.name.casefold()))
    return LayoutContent(
        categories=nest_categories(by_count[: min(limit, SIDEBAR_CATEGORIES)]),
        tags=tag_cloud(top_tags[: min(limit, CLOUD_TAGS)]),
        recent=tuple(_short_title(p) for p in index.recent),
        menu=sorted(by_count[:MENU_CATEGORIES], key=lambda c: c.term.name.casefold()),
        # Top-level pages only: nested ones are reached by their links and the sitemap.
        pages=tuple(
            MenuEntry(p.slug, p.title[:SHOWN_TITLE_CHARS])
            for p in [p for p in index.pages if "/" not in p.slug][: min(limit, MENU_PAGES)]
        ),
    )


def _short_title(post: PostSummary) -> PostSummary:
    if len(post.title) <= SHOWN_TITLE_CHARS:
        return post
    return dataclasses.replace(post, title=post.title[:SHOWN_TITLE_CHARS] + "…")


def render_fragments(content: LayoutContent) -> tuple[str, str]:
    """Render the main menu and the sidebar widgets, links prefixed with ``LINK_PREFIX``."""
    env = theme.environment(i18n.publishing_language())
    context = {"layout": content, "prefix": Markup(LINK_PREFIX)}
    menu = env.get_template("published/menu.html").render(context)
    widgets = env.get_template("published/widgets.html").render(context)
    return menu, widgets


def tag_cloud(tags: list[TermCount]) -> list[CloudTag]:
    """Weight tags 1 to 5 on a log scale of their counts, in name order."""
    if not tags:
        return []
    top = max(t.count for t in tags)
    scale = math.log(top) if top > 1 else 1.0
    return [
        CloudTag(t.term, t.count, 1 + round(4 * math.log(t.count) / scale))
        for t in sorted(tags, key=lambda t: t.term.name.casefold())
    ]
