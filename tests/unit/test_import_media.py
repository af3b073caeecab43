"""The media planner on WordPress.com's file hosts, its CDN, and a local copy of the old site."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest

from blogctl.importing.media import MediaPlanner, old_site_hosts
from blogctl.importing.model import ImportedItem
from blogctl.importing.wordpress import read_site

CORPUS = Path(__file__).parents[1] / "corpus/import/wordpress/themeunittestdata.wordpress.xml"
SITE = "https://wpthemetestdata.wordpress.com"
FILES = "https://wpthemetestdata.files.wordpress.com"
ITEM = ImportedItem(
    kind="post",
    origin="wordpress:1",
    title="T",
    slug="t",
    date=None,
    status="publish",
    markdown="",
)


@pytest.fixture(scope="module")
def theme_items() -> list[ImportedItem]:
    return list(read_site(CORPUS).items)


@pytest.fixture(scope="module")
def uploads(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every image the theme unit test export references, at its yyyy/mm/name path."""
    folder = tmp_path_factory.mktemp("uploads")
    for name in set(
        re.findall(
            r"files\.wordpress\.com/(\d{4}/\d\d/[\w.-]+\.(?:jpg|png|gif))", CORPUS.read_text()
        )
    ):
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(b"image")
    return folder


def test_a_wordpress_com_site_also_owns_its_files_host() -> None:
    assert old_site_hosts(SITE) == {
        "wpthemetestdata.wordpress.com",
        "wpthemetestdata.files.wordpress.com",
    }
    assert old_site_hosts("https://www.example.org/blog") == {"example.org"}
    assert old_site_hosts("") == frozenset()


def test_every_file_of_the_theme_export_is_copied_or_reported(
    theme_items: list[ImportedItem], uploads: Path
) -> None:
    planner = MediaPlanner(SITE, uploads)
    copied: set[str] = set()
    for item in theme_items:
        found = planner.plan(item)
        copied |= {f.origin for f in found.files}
        left = re.findall(
            r"https?://wpthemetestdata\.files\.wordpress\.com/[^\s)\"']+", found.markdown
        )
        # Only what the folder lacks stays, and each such file is named in the report.
        reported = {m.split(":")[0] for m in found.missing}
        assert {"/wp-content/uploads/" + url.split(".com/", 1)[1] for url in left} <= reported
    assert len(copied) == 29 and "2008/06/canola2.jpg" in copied


def test_every_form_of_a_wordpress_com_reference_is_rewritten(uploads: Path) -> None:
    markdown = (
        f'<img src="{FILES}/2008/06/canola2.jpg?w=300" '
        f'srcset="{FILES}/2008/06/canola2-150x150.jpg 150w, http://i0.wp.com/wpthemetestdata.files.wordpress.com'
        '/2008/06/canola2.jpg?resize=1024%2C768&ssl=1 1024w">\n'
        "![photon](https://i2.wp.com/wpthemetestdata.wordpress.com/wp-content/uploads/2008/06/canola2.jpg)\n"
        "![site](//wpthemetestdata.wordpress.com/wp-content/uploads/2008/06/canola2.jpg)\n"
        '<!-- wp:image {"url":"https:\\/\\/wpthemetestdata.files.wordpress.com'
        '\\/2008\\/06\\/canola2.jpg"} -->\n'
        "![other blog](https://otherblog.files.wordpress.com/2008/06/canola2.jpg)\n"
        "![other via cdn](https://i1.wp.com/example.net/2008/06/canola2.jpg)\n"
        f"[a post]({SITE}/2008/06/hello/)\n"
    )
    found = MediaPlanner(SITE, uploads).plan(replace(ITEM, markdown=markdown))
    new = "../media/imported-2008-06/canola2.jpg"
    assert [f.key for f in found.files] == ["media/imported-2008-06/canola2.jpg"]
    assert found.missing == ()
    assert found.markdown == (
        f'<img src="{new}" srcset="{new} 150w, {new} 1024w">\n'
        f"![photon]({new})\n![site]({new})\n"
        '<!-- wp:image {"url":"..\\/media\\/imported-2008-06\\/canola2.jpg"} -->\n'
        "![other blog](https://otherblog.files.wordpress.com/2008/06/canola2.jpg)\n"
        "![other via cdn](https://i1.wp.com/example.net/2008/06/canola2.jpg)\n"
        f"[a post]({SITE}/2008/06/hello/)\n"
    )


def test_references_to_a_local_copy_of_the_site_are_the_old_site(uploads: Path) -> None:
    # The a11y test export was written on localhost:8080, then exported as wpthemetestdata.
    markdown = (
        '<img src="http://localhost:8080/wp-content/uploads/2008/06/canola2.jpg" alt="">'
        " ![gone](http://localhost:8080/wp-content/uploads/2011/07/100_5540-33.jpg)"
        " ![dev](http://blog.test/wp-content/uploads/2011/07/x.png)"
    )
    found = MediaPlanner(SITE, uploads).plan(replace(ITEM, markdown=markdown))
    assert [f.origin for f in found.files] == ["2008/06/canola2.jpg"]
    assert sorted(found.missing) == [
        "/wp-content/uploads/2011/07/100_5540-33.jpg: not in the uploads folder",
        "/wp-content/uploads/2011/07/x.png: not in the uploads folder",
    ]
    assert found.markdown.startswith('<img src="../media/imported-2008-06/canola2.jpg"')
