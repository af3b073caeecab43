"""The stored layout stays within its budget whatever the blog holds. Pure."""

from __future__ import annotations

from datetime import UTC, datetime

from chalicelib.models import (
    MAX_STICKY_POSTS,
    MAX_TAGS,
    Layout,
    MenuEntry,
    PostSummary,
    SiteIndex,
    Term,
    TermCount,
)
from chalicelib.publishing.layout import (
    CLOUD_TAGS,
    LAYOUT_BUDGET,
    SIDEBAR_CATEGORIES,
    bounded_fragments,
    layout_content,
    sticky_bytes,
)
from chalicelib.storage.items import layout_attributes, typed


def _index(terms: int, name_chars: int = 100, title_chars: int = 10) -> SiteIndex:
    counts = tuple(
        TermCount(Term(f"{k:04d}" + "字" * name_chars, f"{k:04d}" + "字" * name_chars), k + 1)
        for k in range(terms)
    )
    recent = PostSummary(
        "2026/08/x", "T" * title_chars, datetime(2026, 8, 1, tzinfo=UTC), "", (), (), "k"
    )
    return SiteIndex(
        categories=counts,
        tags=counts,
        months=("2026-08",),
        pages=tuple(MenuEntry(f"p{k}", "Page" * 50) for k in range(terms)),
        recent=(recent,) * 5,
        latest_days=frozenset({1}),
        total_posts=terms,
    )


def test_the_cloud_shows_the_most_used_tags_in_name_order() -> None:
    content = layout_content(_index(500, name_chars=1))
    assert len(content.tags) == CLOUD_TAGS and len(content.categories) == SIDEBAR_CATEGORIES
    assert min(t.count for t in content.tags) == 500 - CLOUD_TAGS + 1
    names = [t.term.name for t in content.tags]
    assert names == sorted(names)


def test_fragments_fit_the_budget_however_many_and_long_the_names() -> None:
    for budget in (300_000, 50_000):
        menu, sidebar = bounded_fragments(_index(2_000, title_chars=60_000), budget)
        assert len(menu.encode()) + len(sidebar.encode()) <= budget
        assert "T" * 200 in sidebar and "T" * 201 not in sidebar


def test_the_layout_item_stays_under_400_kb_with_the_largest_sticky_posts() -> None:
    # At the pipeline's limits: 1,000-character titles and summaries in a 3-byte script,
    # 15 tags and 5 categories of 100 characters, and a byline of 200.
    term = Term("字" * 100, "字" * 100)
    largest = PostSummary(
        "2026/08/" + "字" * 100,
        "字" * 1000,
        datetime(2026, 8, 1, tzinfo=UTC),
        "字" * 1000,
        (term,) * MAX_TAGS,
        (term,) * 5,
        "2026-08-01T00:00:00#2026/08/" + "字" * 100,
        Term("字" * 200, "字" * 200),
    )
    sticky = (largest,) * MAX_STICKY_POSTS
    budget = LAYOUT_BUDGET - sticky_bytes(sticky)
    menu, sidebar = bounded_fragments(_index(2_000, title_chars=60_000), budget)
    layout = Layout(menu, sidebar, ("2026-08",) * 240, frozenset(range(1, 32)), 10**6, sticky)
    item = typed(layout_attributes(layout, 10**9))
    size = sum(len(name) + len(str(value).encode()) for name, value in item.items())
    assert budget > 50_000 and size < 400_000
