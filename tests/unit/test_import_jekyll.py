"""The Jekyll reader against hand-made fixtures and real sites (tests/corpus/import/jekyll/)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from blogctl.importing import frontmatter as fm
from blogctl.importing import jekyll
from blogctl.importing.liquid import convert_liquid
from blogctl.importing.model import ImportedItem

CORPUS = Path(__file__).parents[1] / "corpus" / "import" / "jekyll"
NOW = datetime(2024, 1, 1, tzinfo=UTC)


def read(name: str, now: datetime = NOW) -> dict[str, ImportedItem]:
    site = jekyll.read_site(CORPUS / name, now=now)
    return {item.origin: item for item in site.items}


@pytest.fixture(scope="module")
def fixture_items() -> dict[str, ImportedItem]:
    return read("fixtures")


def test_site_title_and_address() -> None:
    site = jekyll.read_site(CORPUS / "fixtures", now=NOW)
    assert (site.title, site.base_url) == ("Fixture Jekyll", "https://example.org/blog")


def test_which_files_are_items(fixture_items: dict[str, ImportedItem]) -> None:
    # Not: a _posts file without a date, _includes, files without front matter, the home page.
    assert sorted(fixture_items) == [
        "_drafts/idea.md",
        "_posts/2020-01-05-hello-world.md",
        "_posts/2020-02-01-second.markdown",
        "_posts/2020-03-01-hidden.md",
        "_posts/2099-01-01-later.md",
        "about.md",
        "docs/guide.md",
    ]


def test_post_fields(fixture_items: dict[str, ImportedItem]) -> None:
    post = fixture_items["_posts/2020-01-05-hello-world.md"]
    assert (post.kind, post.status, post.title, post.slug) == (
        "post",
        "publish",
        "Hello",
        "hello-world",
    )
    assert post.date is not None and post.date.isoformat() == "2020-01-05T00:00:00-05:00"
    assert [t.slug for t in post.categories] == ["tech-news", "python"]
    assert [t.name for t in post.tags] == ["alpha", "beta"]
    assert (post.author, post.summary) == ("Ann", "Short")


def test_old_paths_follow_collection_permalink_and_redirect_from(
    fixture_items: dict[str, ImportedItem],
) -> None:
    post = fixture_items["_posts/2020-01-05-hello-world.md"]
    assert post.old_paths == (
        "/tech news/python/2020/1/hello-world.html",
        "/old/hello/",
        "/hello.html",
    )
    second = fixture_items["_posts/2020-02-01-second.markdown"]
    # Front matter slug and a naive date in the site's time zone.
    assert second.old_paths == ("/misc/2020/2/custom.html",)
    assert second.slug == "custom"
    assert second.date is not None and second.date.isoformat() == "2020-02-01T23:30:00-05:00"


def test_statuses(fixture_items: dict[str, ImportedItem]) -> None:
    assert fixture_items["_posts/2020-03-01-hidden.md"].status == "draft"
    assert fixture_items["_posts/2020-03-01-hidden.md"].old_paths == ()
    assert fixture_items["_drafts/idea.md"].status == "draft"
    assert fixture_items["_posts/2099-01-01-later.md"].status == "future"


def test_pages(fixture_items: dict[str, ImportedItem]) -> None:
    about = fixture_items["about.md"]
    assert (about.kind, about.slug, about.old_paths) == ("page", "about-us", ("/about-us/",))
    # No pretty permalink style: pages end in .html.
    guide = fixture_items["docs/guide.md"]
    assert guide.old_paths == ("/docs/guide.html",)
    # It nests under /docs/: its new path is /docs/guide/, and the old one redirects there.
    assert (guide.slug, guide.parent_path, about.parent_path) == ("guide", "/docs/", "")


def test_liquid_converted(fixture_items: dict[str, ImportedItem]) -> None:
    body = fixture_items["_posts/2020-01-05-hello-world.md"].markdown
    assert "Hi 🐛 and `:bug:` from https://github.com/example/site ![a](/assets/a.png)" in body
    assert "{{ kept }} {% if x %}" in body
    assert '```python\nprint(":bug:")\n```' in body
    assert "[second](/2020/02/custom/)" in body
    assert "[about](/about-us/)" in body
    assert "[gone]()" in body
    assert "include" not in body
    assert fixture_items["_posts/2020-01-05-hello-world.md"].problems == (
        "post_url target not found: {% post_url 1999-01-01-gone %}",
        "Liquid removed: {% include note.html %}",
    )
    assert fixture_items["_posts/2020-01-05-hello-world.md"].media == ("/assets/a.png",)


def test_unknown_liquid_never_left() -> None:
    body, problems = convert_liquid(
        "{% comment %}x{% endcomment %}a{{ page.x | upcase }}b{%- if y -%}c", lambda k, t: None
    )
    assert body == "abc"
    assert problems == ["Liquid removed: {{ page.x | upcase }}", "Liquid removed: {%- if y -%}"]


@pytest.mark.parametrize(
    ("style", "expected"),
    [
        ("date", "/tech/2020/01/05/hello-world.html"),
        ("pretty", "/tech/2020/01/05/hello-world/"),
        ("ordinal", "/tech/2020/005/hello-world.html"),
        ("none", "/tech/hello-world.html"),
        ("/news/:year/:month/:day/:title/", "/news/2020/01/05/hello-world/"),
        ("/:short_year/:i_day/:slug", "/20/5/hello-world"),
    ],
)
def test_site_wide_permalink_styles(tmp_path: Path, style: str, expected: str) -> None:
    (tmp_path / "_config.yml").write_text(f"permalink: {style}\n")
    (tmp_path / "_posts").mkdir()
    (tmp_path / "_posts" / "2020-01-05-hello-world.md").write_text("---\ncategory: Tech\n---\nx\n")
    [item] = jekyll.read_site(tmp_path, now=NOW).items
    assert item.old_paths == (expected,)
    assert item.date == datetime(2020, 1, 5, tzinfo=UTC)


def test_real_sites() -> None:
    docs = read("jekyll-docs", now=datetime(2100, 1, 1, tzinfo=UTC))
    posts = [item for item in docs.values() if item.kind == "post"]
    assert len(posts) == 102 and all(item.status == "publish" for item in posts)
    first = docs["_posts/2013-05-06-jekyll-1-0-0-released.markdown"]
    assert first.old_paths == ("/news/2013/05/06/jekyll-1-0-0-released/",)
    assert [t.slug for t in first.categories] == ["release"]
    assert docs["pages/showcase.html"].old_paths == ("/showcase/", "/docs/sites/")
    assert sum(1 for item in docs.values() if item.problems) == 14
    assert [i.origin for i in docs.values() if i.status == "draft"] == [
        "pages/redirects/github.html",
        "pages/redirects/issues.html",
    ]
    minima = read("minima")
    assert len(minima) == 7
    codeblocks = minima["_posts/2016-05-19-codeblocks-ahoy.md"]
    assert "{% assign foo = page.foo | bar: 'baz' %}" in codeblocks.markdown  # from raw
    assert "{% highlight" not in codeblocks.markdown and "```html" in codeblocks.markdown
    assert read("lanyon")["_posts/2020-04-01-whats-jekyll.md"].old_paths == (
        "/2020/04/01/whats-jekyll/",
    )


@pytest.mark.parametrize(
    ("url", "slug", "parent", "address"),
    [
        ("/about/", "about", "", "/about/"),
        ("/docs/guide.html", "guide", "/docs/", "/docs/guide/"),
        ("/news/releases/", "releases", "/news/", "/news/releases/"),
        ("/a/b/c/?x=1", "c", "/a/b/", "/a/b/c/"),
        ("/", "home", "", "/home/"),
    ],
)
def test_a_page_nests_under_its_old_folder(url: str, slug: str, parent: str, address: str) -> None:
    assert fm.parent_path(url) == parent
    assert fm.page_address(url, slug) == address
