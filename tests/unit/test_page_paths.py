"""Pure: a page's parent and path from front matter, its URL, and its item round trip."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from chalicelib.config import Settings
from chalicelib.publishing.build import build_page, page_with_comments
from chalicelib.publishing.parsing import ParseError, SourceDocument, parse_document, parse_parent
from chalicelib.site import urls
from chalicelib.storage import bodies
from chalicelib.storage.items import (
    page_source_attributes,
    page_source_from_item,
    redirect_attributes,
    redirect_from_item,
)
from chalicelib.storage.records import PageSource, RedirectTarget, SourceVersion

SETTINGS = Settings(table_name="t", bucket_name="b")
WHEN = datetime(2026, 1, 1, tzinfo=UTC)


def page(front: str, key: str = "pages/team.md") -> SourceDocument:
    return SourceDocument(key, f"---\ntitle: T\n{front}---\nBody.\n".encode(), WHEN)


@pytest.mark.parametrize(
    ("given", "parent"),
    [
        (None, ""),
        ("about", "about"),
        ("/about/", "about"),
        ("About Us/Our Team", "about-us/our-team"),
        ("/about//team/", "about/team"),
        ("/%CF%83%CF%87%CE%AD%CF%83%CE%B7/", "σχέση"),
        ("/東京/新宿/", "東京/新宿"),
        ("/12/", "post-12"),  # as the parent's own slug was made from "12"
    ],
)
def test_a_parent_is_read_as_the_path_its_page_has(given: str | None, parent: str) -> None:
    assert parse_parent(given) == parent


@pytest.mark.parametrize("bad", [["about"], 7, "/a/b/c/d/", "/../", "x" * 301])
def test_a_parent_must_be_a_short_page_path(bad: object) -> None:
    with pytest.raises(ParseError):
        parse_parent(bad)


def test_only_pages_have_parents() -> None:
    doc = page("parent: about\n")
    assert parse_document(doc, ZoneInfo("UTC"), 10_000).parent == "about"
    post = SourceDocument("posts/x.md", doc.body, WHEN)
    assert parse_document(post, ZoneInfo("UTC"), 10_000).parent == ""


def test_a_page_path_is_its_parent_then_its_slug() -> None:
    built = build_page(
        page("parent: /about/team/\naliases: ['/lead/', '/about/team/team/']\n"), SETTINGS
    )
    assert built.slug == "about/team/team"
    assert built.aliases == ("/lead/",)  # its own path is served, never redirected
    assert build_page(page(""), SETTINGS).slug == "team"


@pytest.mark.parametrize(
    ("front", "reason"),
    [
        ("parent: a/b/c\nslug: d\n", ""),
        ("parent: '2019'\n", "site uses"),
        ("parent: tag\n", "site uses"),
        ("parent: author\n", "site uses"),
        ("slug: author\n", ""),  # /author/ alone is no route's: a page may take it
    ],
)
def test_a_page_path_must_not_be_a_route_of_the_site(front: str, reason: str) -> None:
    if not reason:
        assert build_page(page(front), SETTINGS)
        return
    with pytest.raises(ParseError, match=reason):
        build_page(page(front), SETTINGS)


def test_a_nested_page_path_is_percent_encoded_part_by_part() -> None:
    assert urls.page_path("about") == "/about/"
    assert urls.page_path("σχέση/東京") == "/%CF%83%CF%87%CE%AD%CF%83%CE%B7/%E6%9D%B1%E4%BA%AC/"


def test_page_sources_and_redirects_round_trip_through_items() -> None:
    version = SourceVersion("e", WHEN)
    plain = PageSource("pages/a.md", "a", "menu#000100#a", version, 1)
    # A page without old addresses keeps exactly the item it always had.
    assert set(page_source_attributes(plain)) == {
        "page",
        "menu_sk",
        "etag",
        "modified",
        "todo",
        "rev",
    }
    full = PageSource("pages/a.md", "x/a", "m", version, 2, True, True, ("/o/",), ("/g/",))
    assert page_source_from_item("pages/a.md", page_source_attributes(full)) == full
    assert redirect_attributes("posts/p.md", post_id="2026/01/p") == {
        "post_id": "2026/01/p",
        "source_key": "posts/p.md",
    }
    page_target = redirect_attributes("pages/a.md", page="x/a")
    assert page_target == {"page": "x/a", "source_key": "pages/a.md"}
    assert redirect_from_item(page_target) == RedirectTarget(page="x/a")


def test_aliases_gone_after_keep_those_not_yet_released() -> None:
    source = PageSource("k", "a", "m", SourceVersion("e", WHEN), 1, True, False, ("/a/",), ("/b/",))
    assert source.aliases_gone_after(("/a/",)) == ("/b/",)
    assert source.aliases_gone_after() == ("/a/", "/b/")
    done = PageSource("k", "a", "m", SourceVersion("e", WHEN), 1, False, False, ("/a/",), ("/b/",))
    assert done.aliases_gone_after() == ("/a/",)


def test_a_page_with_comments_must_fit_in_its_item() -> None:
    built = build_page(page(""), SETTINGS)
    with_few = page_with_comments(built, "<section>1 comment</section>")
    assert with_few.html.startswith(built.html) and with_few.html.endswith("1 comment</section>")
    assert page_with_comments(built, "") == built
    too_many = "x" * (bodies.INLINE_HTML_BYTES - len(built.html.encode()))
    with pytest.raises(ParseError, match="with its comments renders to"):
        page_with_comments(built, too_many)
