"""Imported tags and categories keep their WordPress slugs and parents in front matter."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from blogctl.importing.frontmatter import make_terms
from blogctl.importing.model import ImportedItem, ImportedTerm
from blogctl.importing.wordpress import read_site
from blogctl.importing.writer import SlugRegistry, source_for
from chalicelib.models import Term
from chalicelib.publishing.parsing import SourceDocument, parse_document, split_front_matter

CORPUS = Path(__file__).parents[1] / "corpus" / "import" / "wordpress"
NOW = datetime(2026, 5, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def theme_items() -> dict[str, ImportedItem]:
    site = read_site(CORPUS / "themeunittestdata.wordpress.xml")
    return {item.origin.split(":")[1]: item for item in site.items}


def front_and_post(item: ImportedItem) -> tuple[dict[str, object], object]:
    source = source_for(item, SlugRegistry(), NOW)
    meta, _ = split_front_matter(source.body.decode())
    post = parse_document(SourceDocument(source.key, source.body, NOW), ZoneInfo("UTC"), 10**6)
    return meta, post


def test_wordpress_slugs_that_names_would_not_give_are_kept(
    theme_items: dict[str, ImportedItem],
) -> None:
    meta, post = front_and_post(theme_items["993"])
    assert meta["tags"] == [
        {"name": "content περιεχόμενο", "slug": "content-2"},
        {"name": "excerpt", "slug": "excerpt-2"},
        "template",  # its slug is what its name gives: a plain name
    ]
    assert post.tags == (  # type: ignore[attr-defined]
        Term("content-2", "content περιεχόμενο"),
        Term("excerpt-2", "excerpt"),
        Term("template", "template"),
    )
    assert meta["categories"] == [
        "Classic",
        {"name": "Template", "slug": "template-2"},
        "Uncategorized",
    ]


def test_wordpress_category_parents_land_in_front_matter(
    theme_items: dict[str, ImportedItem],
) -> None:
    many = theme_items["1152"]  # "Edge Case: Many Categories": the nested ones among 63
    wanted = ["child-category-01", "grandchild-category", "child-2", "foo-a", "foo-a-foo-parent"]
    by_slug = {c.slug: c for c in many.categories}
    meta, post = front_and_post(replace(many, categories=tuple(by_slug[s] for s in wanted)))
    assert meta["categories"] == [
        {"name": "Child Category 01", "parent": "parent-category"},
        {"name": "Grandchild Category", "parent": "child-category-03"},
        {"name": "Child 2", "parent": "child-1"},
        "Foo A",
        {"name": "Foo A", "slug": "foo-a-foo-parent", "parent": "foo-parent"},
    ]
    assert [(c.key, c.parent) for c in post.categories] == [  # type: ignore[attr-defined]
        ("child-category-01", "parent-category"),
        ("grandchild-category", "child-category-03"),
        ("child-2", "child-1"),
        ("foo-a", None),
        ("foo-a-foo-parent", "foo-parent"),
    ]


def test_an_unusable_slug_or_parent_falls_back_with_a_note() -> None:
    item = ImportedItem(
        kind="post",
        origin="wordpress:1",
        title="T",
        slug="t",
        date=NOW,
        status="publish",
        markdown="x",
        tags=(ImportedTerm("A b", "a/b", slug_in_url=True),),
        categories=(ImportedTerm("C", "c", "bad parent", slug_in_url=True),),
    )
    source = source_for(item, SlugRegistry(), NOW)
    meta, _ = split_front_matter(source.body.decode())
    assert meta["tags"] == ["A b"] and meta["categories"] == ["C"]
    assert any("keeps only its name" in note for note in source.notes)
    assert any("shown at the top level" in note for note in source.notes)


def test_jekyll_and_hugo_terms_stay_names() -> None:
    item = ImportedItem(
        kind="post",
        origin="_posts/x.md",
        title="T",
        slug="t",
        date=NOW,
        status="publish",
        markdown="x",
        tags=make_terms(["C++", "Data Modelling"]),
    )
    meta, _ = split_front_matter(source_for(item, SlugRegistry(), NOW).body.decode())
    assert meta["tags"] == ["C++", "Data Modelling"]
