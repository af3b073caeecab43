"""Tags and categories with explicit slugs and parents, and the sidebar's nesting. Pure."""

from __future__ import annotations

import pytest

from chalicelib.models import MAX_CATEGORIES, MAX_TAGS, SiteIndex, Term, TermCount
from chalicelib.publishing.categories import CategoryNode, nest_categories
from chalicelib.publishing.layout import (
    SIDEBAR_CATEGORIES,
    bounded_fragments,
    layout_content,
    render_fragments,
)
from chalicelib.publishing.parsing import ParseError, parse_terms


def categories(value: object) -> tuple[Term, ...]:
    return parse_terms(value, "categories", MAX_CATEGORIES)


def tags(value: object) -> tuple[Term, ...]:
    return parse_terms(value, "tags", MAX_TAGS)


def test_a_mapping_gives_the_slug_beside_the_name_and_plain_names_still_work() -> None:
    assert tags([{"name": "C++", "slug": "cpp"}, "Rust", {"name": "Go"}]) == (
        Term("cpp", "C++"),
        Term("rust", "Rust"),
        Term("go", "Go"),
    )
    # WordPress stores non-ASCII slugs percent-encoded; case folds as a name's key does.
    assert tags([{"name": "日本", "slug": "%E6%97%A5%E6%9C%AC"}]) == (Term("日本", "日本"),)
    assert tags([{"name": "6.1", "slug": "6-1"}, {"name": "Six", "slug": "CPP"}]) == (
        Term("6-1", "6.1"),
        Term("cpp", "Six"),
    )


def test_the_first_mention_of_a_slug_in_a_post_wins() -> None:
    assert tags(["cpp", {"name": "C++", "slug": "cpp"}]) == (Term("cpp", "cpp"),)


def test_a_category_names_its_parent_by_slug_or_the_top_level() -> None:
    found = categories(
        [
            {"name": "Python", "slug": "python", "parent": "code"},
            {"name": "Code", "parent": None},
            {"name": "Misc", "parent": ""},
            "Plain",
        ]
    )
    assert found == (
        Term("python", "Python", "code"),
        Term("code", "Code", ""),
        Term("misc", "Misc", ""),
        Term("plain", "Plain", None),  # not stated: the stored parent stays
    )


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ([{"name": "A", "slug": "a/b"}], "cannot hold / or"),
        ([{"name": "A", "slug": "a／b"}], "cannot hold / or"),  # NFKC makes it a slash
        ([{"name": "A", "slug": "a%2Fb"}], "cannot hold / or"),
        ([{"name": "A", "slug": "a\\b"}], "cannot hold / or"),
        ([{"name": "A", "slug": "a b"}], "cannot hold spaces"),
        ([{"name": "A", "slug": "a\u202eb"}], "cannot hold spaces or controls"),
        ([{"name": "A", "slug": ".."}], "cannot be part of a URL"),
        ([{"name": "A", "slug": ""}], "1 to 100 characters"),
        ([{"name": "A", "slug": "x" * 101}], "1 to 100 characters"),
        ([{"name": "A", "slug": ["x"]}], "must be text"),
        ([{"slug": "a"}], "needs a name"),
        ([{"name": " ", "slug": "a"}], "needs a name"),
        ([{"name": "A", "colour": "red"}], "not colour"),
        ([{"name": "A", "parent": "a"}], "its own parent"),
        ([{"name": "A", "parent": "x/y"}], "cannot hold / or"),
        ([{"name": ".."}], "give it a slug"),
    ],
)
def test_unsafe_slugs_and_parents_are_refused_with_a_reason(value: object, reason: str) -> None:
    with pytest.raises(ParseError, match=reason):
        categories(value)


@pytest.mark.parametrize(
    "value",
    [
        ["\ufdfa" * 100],  # 100 characters whose key folds to 1,800 (3,300 bytes)
        [{"name": "A", "slug": "\u3316" * 100}],
        [{"name": "\ufdfa" * 100, "slug": "ok"}, {"name": "\ufdfa" * 60}],
    ],
)
def test_a_name_or_slug_that_folds_into_a_key_too_long_to_store_is_refused(
    value: object,
) -> None:
    # DynamoDB refuses the counter's sort key over 1,024 bytes: refused here with a reason.
    with pytest.raises(ParseError, match="too long once folded"):
        tags(value)
    assert tags([{"name": "\ufdfa" * 100, "slug": "ok"}])[0].key == "ok"
    assert len(tags(["字" * 100])[0].key.encode()) == 300  # 100 characters of any script


def test_tags_have_no_parent() -> None:
    with pytest.raises(ParseError, match="may give only name, slug; not parent"):
        tags([{"name": "A", "parent": "b"}])


def test_the_limit_counts_distinct_slugs() -> None:
    with pytest.raises(ParseError, match="at most 5 categories"):
        categories([{"name": f"C{i}", "slug": f"c{i}"} for i in range(6)])


def count(key: str, parent: str = "", n: int = 1, name: str = "") -> TermCount:
    return TermCount(Term(key, name or key.upper(), parent), n)


def shape(nodes: tuple[CategoryNode, ...]) -> list[object]:
    return [
        (node.entry.term.key, shape(node.children)) if node.children else node.entry.term.key
        for node in nodes
    ]


def test_children_nest_under_their_parents_in_name_order() -> None:
    nested = nest_categories(
        [count("web", "code"), count("code"), count("python", "code"), count("django", "python")]
    )
    assert shape(nested) == [("code", [("python", ["django"]), "web"])]


def test_a_child_of_a_category_not_shown_goes_to_the_top() -> None:
    assert shape(nest_categories([count("b", "gone"), count("a")])) == ["a", "b"]


@pytest.mark.parametrize(
    ("entries", "expected"),
    [
        # a under b under a: broken at a (first in name order), which goes to the top.
        ([count("a", "b"), count("b", "a")], [("a", ["b"])]),
        (
            [count("c", "b"), count("b", "a"), count("a", "c"), count("d", "a")],
            [("a", [("b", ["c"]), "d"])],
        ),
        # A chain running into a cycle keeps hanging from it.
        ([count("x", "y"), count("y", "z"), count("z", "y")], [("y", ["x", "z"])]),
    ],
)
def test_cycles_from_hostile_input_are_broken_deterministically(
    entries: list[TermCount], expected: list[object]
) -> None:
    assert shape(nest_categories(entries)) == expected
    assert shape(nest_categories(reversed(entries))) == expected


def test_every_category_shown_once_however_the_parents_tangle() -> None:
    keys = [f"k{i:02d}" for i in range(60)]
    entries = [count(k, keys[(i * 7 + 3) % 60], n=60 - i) for i, k in enumerate(keys)]
    nodes = layout_content(_index(entries)).categories

    def walk(found: tuple[CategoryNode, ...]) -> list[str]:
        return [k for n in found for k in (n.entry.term.key, *walk(n.children))]

    shown = walk(nodes)
    assert len(shown) == len(set(shown)) == SIDEBAR_CATEGORIES


def _index(entries: list[TermCount]) -> SiteIndex:
    return SiteIndex(tuple(entries), (), (), (), (), frozenset(), 0)


def test_the_widget_nests_children_in_a_list_under_their_parent() -> None:
    _, sidebar = render_fragments(
        layout_content(_index([count("code", n=3), count("python", "code", name="Py<thon>")]))
    )
    widget = sidebar.split('<section class="widget widget-categories">', 1)[1]
    widget = "".join(widget.split("</section>", 1)[0].split())
    assert widget == (
        "<h2>Categories</h2><ul>"
        '<li><ahref="<!--prefix-->/category/code/">CODE</a><spanclass="count">(3)</span>'
        '<ulclass="children">'
        '<li><ahref="<!--prefix-->/category/python/">Py&lt;thon&gt;</a>'
        '<spanclass="count">(1)</span></li>'
        "</ul></li></ul>"
    )


def test_deep_nesting_stays_within_the_layout_budget() -> None:
    entries = [
        count(f"c{i:02d}" + "字" * 90, f"c{i - 1:02d}" + "字" * 90 if i else "", n=100 - i)
        for i in range(SIDEBAR_CATEGORIES)
    ]
    menu, sidebar = bounded_fragments(_index(entries), budget=20_000)
    assert len(menu.encode()) + len(sidebar.encode()) <= 20_000
    assert sidebar.count('<ul class="children">') > 0
