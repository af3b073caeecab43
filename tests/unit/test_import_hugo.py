"""The Hugo reader against hand-made fixtures and real sites (tests/corpus/import/hugo/)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from blogctl.importing import hugo
from blogctl.importing.model import ImportedItem
from blogctl.importing.shortcodes import convert_shortcodes, parse_args

CORPUS = Path(__file__).parents[1] / "corpus" / "import" / "hugo"
NOW = datetime(2024, 1, 1, tzinfo=UTC)


def read(name: str, now: datetime = NOW) -> dict[str, ImportedItem]:
    return {item.origin: item for item in hugo.read_site(CORPUS / name, now=now).items}


@pytest.fixture(scope="module")
def items() -> dict[str, ImportedItem]:
    return read("fixtures")


def test_site_title_and_address() -> None:
    site = hugo.read_site(CORPUS / "fixtures", now=NOW)
    assert (site.title, site.base_url) == ("Fixture Hugo", "https://example.net")


def test_which_files_are_items(items: dict[str, ImportedItem]) -> None:
    # Not: _index.md section pages, a bundle's resources, a translation (first.fr.md).
    assert sorted(items) == [
        "content/about.md",
        "content/blog/custom-url.md",
        "content/blog/drafty.md",
        "content/blog/expired.md",
        "content/blog/first.md",
        "content/blog/later.md",
        "content/blog/second/index.md",
        "content/docs/broken.md",
        "content/docs/install.md",
    ]


def test_post_fields(items: dict[str, ImportedItem]) -> None:
    post = items["content/blog/first.md"]
    assert (post.kind, post.status, post.title, post.slug) == (
        "post",
        "publish",
        "First Post",
        "first",
    )
    assert post.date is not None and post.date.isoformat() == "2021-06-01T10:00:00+02:00"
    assert [t.slug for t in post.tags] == ["go", "hugo"]
    assert [t.name for t in post.categories] == ["Dev"]
    assert post.author == "Ann"
    assert post.summary == "Intro 🎉."
    assert "<!--more-->" not in post.markdown


def test_old_paths(items: dict[str, ImportedItem]) -> None:
    # permalinks blog = "/:year/:month/:slug/": :slug falls back to the title; aliases beside it.
    assert items["content/blog/first.md"].old_paths == (
        "/2021/06/first-post/",
        "/2021/06/old-first/",
        "/legacy/first/",
    )
    assert items["content/blog/second/index.md"].old_paths == ("/2021/07/two/",)
    assert items["content/blog/custom-url.md"].old_paths == ("/special/place/",)
    assert items["content/docs/install.md"].old_paths == ("/docs/install/",)


def test_pages_and_toml(items: dict[str, ImportedItem]) -> None:
    about = items["content/about.md"]
    assert (about.kind, about.menu_order, about.summary) == ("page", 3, "Who we are")
    assert about.old_paths == ("/about/", "/about-me/")
    assert about.markdown.strip() == "About us, see /2021/06/first/."
    install = items["content/docs/install.md"]
    # A page in a folder nests under it, so /docs/install/ keeps its path.
    assert (install.kind, install.parent_path) == ("page", "/docs/")
    assert about.parent_path == ""


def test_statuses(items: dict[str, ImportedItem]) -> None:
    assert items["content/blog/drafty.md"].status == "draft"
    assert items["content/blog/later.md"].status == "future"
    expired = items["content/blog/expired.md"]
    assert (expired.status, expired.problems) == (
        "draft",
        ("expired on 2000-01-01: imported as a draft",),
    )
    broken = items["content/docs/broken.md"]
    assert broken.status == "draft" and broken.problems[0].startswith(
        "front matter is not valid YAML"
    )


def test_shortcodes_converted(items: dict[str, ImportedItem]) -> None:
    post = items["content/blog/first.md"]
    body = post.markdown
    assert (
        '<figure><img src="/img/a.png" alt="A &quot;quoted&quot; cat">'
        "<figcaption>The &lt;cat&gt;</figcaption></figure>"
    ) in body
    assert '```go\nfmt.Println(":tada:")\n```' in body
    assert "[YouTube video](https://www.youtube.com/watch?v=dQw4w9WgXcQ)" in body
    assert "[Vimeo video](https://vimeo.com/123)" in body
    assert "[Gist 42](https://gist.github.com/alice/42)" in body
    assert "[two](/2021/07/two/)" in body and "[missing]()" in body
    assert "Inner text" in body and "notice" not in body
    assert '```\n{{< figure src="x" >}}\n```' in body
    assert post.problems == (
        'ref target not found: {{< ref "nope.md" >}}',
        "Hugo shortcode removed: {{% notice info %}}",
    )
    assert post.media == ("/img/a.png",)


def test_shortcode_arguments_and_hostile_ids() -> None:
    assert parse_args(' go "linenos=table" title=`a b` n=3 ') == (
        ["go", "linenos=table"],
        {"title": "a b", "n": "3"},
    )
    body, problems = convert_shortcodes('{{< youtube "x\\" onload=1" >}}', lambda t: None)
    assert body == "" and problems == ['Hugo shortcode removed: {{< youtube "x\\" onload=1" >}}']


def test_real_basic_example() -> None:
    site = read("basic-example", now=datetime(2100, 1, 1, tzinfo=UTC))
    assert sorted(site) == [
        "content/about.md",
        "content/archives.md",
        "content/post/emoji-support.md",
        "content/post/markdown-syntax.md",
        "content/post/math-typesetting.md",
        "content/post/placeholder-text.md",
        "content/post/rich-content.md",
    ]
    assert site["content/about.md"].old_paths == (
        "/about/",
        "/about-us/",
        "/about-hugo/",
        "/contact/",
    )
    math = site["content/post/math-typesetting.md"].markdown
    assert "katex.min.js" not in math and "math.inline" not in math  # with their template
    rich = site["content/post/rich-content.md"]
    assert "https://vimeo.com/48912912" in rich.markdown
    assert "https://x.com/designreviewed/status/1085870671291310081" in rich.markdown


def test_real_papermod_and_ananke() -> None:
    papermod = read("papermod", now=datetime(2026, 1, 1, tzinfo=UTC))
    posts = [item for item in papermod.values() if item.kind == "post"]
    assert len(posts) == 15 and len(papermod) == 18
    assert not any(".fr." in origin or ".fa." in origin for origin in papermod)
    features = papermod["content/posts/papermod/papermod-features/index.md"]
    assert features.old_paths == ("/posts/papermod/papermod-features/", "/papermod-features/")
    assert papermod["content/posts/papermod/papermod-faq.md"].status == "draft"
    ananke = read("ananke")
    assert sorted(ananke) == [
        "content/en/about/index.md",
        "content/en/contact.md",
        *(f"content/en/post/chapter-{n}.md" for n in range(1, 7)),
    ]
    assert ananke["content/en/post/chapter-1.md"].old_paths == ("/post/chapter-1/",)
