"""The WXR reader against WordPress's theme test export, hand-made and hostile files."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest

from blogctl.importing.model import ImportedItem
from blogctl.importing.wordpress import WxrError, read_site

CORPUS = Path(__file__).parents[1] / "corpus" / "import" / "wordpress"
HEADER = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"'
    ' xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.1/">'
    "<channel><title>T</title><link>https://e.org</link>\n"
)


@pytest.fixture(scope="module")
def theme_items() -> dict[str, ImportedItem]:
    site = read_site(CORPUS / "themeunittestdata.wordpress.xml")
    assert (site.title, site.base_url) == (
        "Theme Unit Test Data",
        "https://wpthemetestdata.wordpress.com",
    )
    return {item.origin.split(":")[1]: item for item in site.items}


def test_theme_export_counts(theme_items: dict[str, ImportedItem]) -> None:
    statuses = Counter((item.kind, item.status) for item in theme_items.values())
    assert statuses == {
        ("post", "publish"): 39,
        ("page", "publish"): 20,
        ("post", "future"): 1,
        ("post", "draft"): 1,
        ("post", "password"): 1,
    }
    assert sum(len(item.comments) for item in theme_items.values()) == 29  # 3 unapproved skipped


def test_theme_export_many_terms_and_hierarchy(theme_items: dict[str, ImportedItem]) -> None:
    assert len(theme_items["1151"].tags) == 45
    categories = theme_items["1152"].categories
    assert len(categories) == 63
    assert {c.slug: c.parent for c in categories}["child-category-01"] == "parent-category"


def test_theme_export_private_sticky_and_dates(theme_items: dict[str, ImportedItem]) -> None:
    assert theme_items["1168"].status == "password"
    assert theme_items["1241"].sticky and not theme_items["1151"].sticky
    assert theme_items["1153"].status == "future"
    assert theme_items["1177"].date == datetime(2013, 1, 11, 3, 15, 40, tzinfo=UTC)
    # The permalink carries the blog's local date, a day before the GMT one.
    assert theme_items["1177"].old_paths == (
        "/2013/01/10/markup-image-alignment/",
        "/?p=1177",
        "/archives/1177",
    )


def test_theme_export_nested_pages(theme_items: dict[str, ImportedItem]) -> None:
    level3 = theme_items["172"]
    assert level3.old_paths == ("/level-1/level-2/level-3/", "/?page_id=172")
    assert level3.parent_path == "/level-1/level-2/"
    greek = theme_items["1811"]  # the export's link has a doubled slash and percent-escapes
    assert greek.slug == "επίπεδο-2"
    assert greek.old_paths[0] == "/greek/επίπεδο-2/" and greek.parent_path == "/greek/"


def test_theme_export_threaded_comments_without_emails(
    theme_items: dict[str, ImportedItem],
) -> None:
    comments = theme_items["1148"].comments
    assert any(c.parent_id for c in comments)
    ids = {c.comment_id for c in comments}
    assert all(c.parent_id in ids or not c.parent_id for c in comments)
    assert not any("@" in c.author for c in comments)
    assert {c.comment_id for c in theme_items["1168"].comments}.isdisjoint({""})


def test_theme_export_bodies(theme_items: dict[str, ImportedItem]) -> None:
    every = "".join(item.markdown for item in theme_items.values())
    assert "[caption" not in every and "[gallery" not in every and "<!-- wp:" not in every
    gallery = theme_items["555"]
    assert gallery.markdown.count("![") >= 10 and len(gallery.media) >= 10
    assert gallery.problems == () and gallery.markdown.count("\n<!--nextpage-->\n") == 1
    paginated = theme_items["1171"]  # "Template: Paginated"
    assert paginated.markdown == (
        "Post Page 1\n\n<!--nextpage-->\n\nPost Page 2\n\n<!--nextpage-->\n\nPost Page 3\n"
    )
    assert "<figcaption>" in theme_items["1177"].markdown
    more = theme_items["996"]
    assert more.summary.startswith("This content is before the [more tag]")
    assert "after the more tag" not in more.summary and "after the more tag" in more.markdown
    assert theme_items["993"].summary.startswith("This is a user-defined post excerpt")
    assert theme_items["1169"].title == "" and theme_items["1169"].slug


def test_wxr10_self_hosted_in_a_subfolder() -> None:
    site = read_site(CORPUS / "wxr10-selfhosted.xml")
    assert (site.title, site.base_url) == ("Old & Gold", "http://example.org/blog")
    items = {item.origin: item for item in site.items}
    assert set(items) == {f"wordpress:{n}" for n in (7, 8, 9, 10, 11, 20, 21)}  # menu item skipped
    hello = items["wordpress:7"]
    assert hello.title == "Hello world"
    assert hello.old_paths == ("/2008/03/01/hello-world/", "/?p=7", "/archives/7")
    assert hello.categories[0].parent == "tech" and hello.tags[0].slug == "greeting"
    assert [c.comment_id for c in hello.comments] == ["1", "2"]
    assert hello.comments[1].parent_id == "1"
    assert "```python\nif a < b:" in hello.markdown and "\U0001f41b" in hello.markdown
    assert hello.problems == (
        "gallery: 1 image(s) not in the export",
        "unconverted shortcode [contact-form]",
    )
    assert hello.summary.endswith("here.\n") and "print" not in hello.summary
    draft = items["wordpress:8"]  # zero GMT date: local time, at the offset other items show (+2)
    assert draft.status == "draft" and draft.date == datetime(2008, 4, 1, 10, tzinfo=UTC)
    assert draft.old_paths == ("/?p=8", "/archives/8")
    assert [items[f"wordpress:{n}"].status for n in (9, 10, 11)] == ["private", "pending", "trash"]
    team = items["wordpress:21"]  # its parent comes later in the file
    assert (team.parent_path, team.menu_order, team.old_paths[0]) == ("/about/", 3, "/about/team/")


def test_posterous_backup() -> None:
    site = read_site(CORPUS / "posterous.xml")
    [post] = list(site.items)
    assert post.slug == "snow-day-in-bern" and post.status == "publish"
    assert post.author == "" and post.author_login == ""  # an e-mail address is never kept
    assert [t.slug for t in post.tags] == ["travel", "winter-photos"] and post.categories == ()
    assert post.old_paths[0] == "/snow-day-in-bern"
    assert post.date == datetime(2011, 2, 4, 7, 12, tzinfo=UTC)
    assert post.media[0].endswith("IMG_0042.jpg")
    assert post.comments[0].author == "Tom"


def test_https_namespace_wxr12(tmp_path: Path) -> None:
    path = tmp_path / "x.xml"
    path.write_text(
        HEADER.replace("http://wordpress.org/export/1.1/", "https://wordpress.org/export/1.2/")
        + "<item><title>A</title><content:encoded>x</content:encoded><wp:post_id>1</wp:post_id>"
        "<wp:post_type>page</wp:post_type><wp:status>publish</wp:status></item></channel></rss>"
    )
    [page] = list(read_site(path).items)
    assert (page.kind, page.slug, page.date, page.old_paths) == (
        "page",
        "a",
        None,
        ("/?page_id=1",),
    )


def test_external_entities_are_not_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET")
    path = tmp_path / "evil.xml"
    path.write_text(
        f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM "file://{secret}">]>'
        + HEADER.split("\n", 1)[1]
        + "<item><title>a &xxe;</title><content:encoded>b &xxe;</content:encoded>"
        "<wp:post_id>1</wp:post_id><wp:post_type>post</wp:post_type></item></channel></rss>"
    )
    [item] = list(read_site(path).items)
    assert (item.title, item.markdown) == ("a", "b\n")


def test_billion_laughs_is_refused(tmp_path: Path) -> None:
    laughs = "".join(f'<!ENTITY l{n} "{f"&l{n - 1};" * 10}">' for n in range(1, 10))
    path = tmp_path / "laughs.xml"
    path.write_text(
        f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY l0 "lol">{laughs}]>'
        + HEADER.split("\n", 1)[1]
        + "<item><title>x</title><content:encoded>&l9;</content:encoded>"
        "<wp:post_id>1</wp:post_id><wp:post_type>post</wp:post_type></item></channel></rss>"
    )
    with pytest.raises(WxrError, match="amplification"):
        list(read_site(path).items)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (HEADER + "<item><title>broken</item></channel></rss>", "malformed XML"),
        ('<?xml version="1.0"?><feed><title>x</title></feed>', "not a WordPress export"),
        ('<rss version="2.0"><channel><title>x</title></channel></rss>', "not a WordPress export"),
    ],
)
def test_bad_files_raise_a_value_error(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.xml"
    path.write_text(text)
    with pytest.raises(WxrError, match=message) as raised:
        list(read_site(path).items)
    assert isinstance(raised.value, ValueError)


def test_a_large_export_streams(tmp_path: Path) -> None:
    path = tmp_path / "big.xml"
    body = "<p>" + "Lorem ipsum dolor sit amet. " * 70 + "</p>"
    # Attachments carry most of a real export's bulk (serialized image metadata).
    meta = (  # varied text: libxml2 would share identical strings
        "<wp:postmeta><wp:meta_key>m</wp:meta_key><wp:meta_value>"
        + "{n:07d}" * 600
        + "</wp:meta_value></wp:postmeta>"
    )
    with path.open("w") as out:
        out.write(HEADER)
        for n in range(5_000):
            out.write(
                f"<item><title>Photo {n}</title><wp:post_id>{n}</wp:post_id>"
                f"<wp:post_type>attachment</wp:post_type>{meta.format(n=n)}</item>\n"
            )
            if n % 25 == 0:
                out.write(
                    f"<item><title>Post {n}</title><link>https://e.org/?p={n}</link>"
                    f"<content:encoded><![CDATA[{body}]]></content:encoded><wp:post_id>p{n}</wp:post_id>"
                    "<wp:post_type>post</wp:post_type><wp:status>publish</wp:status></item>\n"
                )
        out.write("</channel></rss>")
    size = path.stat().st_size
    assert size > 20_000_000
    # libxml2's tree is C memory tracemalloc cannot see: measure a child's resident size
    # after each item (the imports' own high-water mark would hide the reader's).
    script = (
        "import re, sys; from pathlib import Path;"
        "from blogctl.importing.wordpress import read_site;"
        "status = lambda: Path('/proc/self/status').read_text();"
        "rss = lambda: int(re.search(r'VmRSS:\\s+(\\d+)', status())[1]);"
        "before = rss(); sizes = [rss() for _ in read_site(Path(sys.argv[1])).items];"
        "print(len(sizes), (max(sizes) - before) * 1024)"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(path)], capture_output=True, text=True, check=True
    )
    count, grown = (int(word) for word in done.stdout.split())
    assert count == 200
    assert grown < size / 4, f"grew {grown} bytes reading a {size}-byte file"
