"""The import writer: front matter the pipeline accepts, comment files, media keys and links."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from blogctl.importing.media import MediaPlanner, media_file_key
from blogctl.importing.model import ImportedComment, ImportedItem, ImportedTerm
from blogctl.importing.wordpress import read_site
from blogctl.importing.writer import MAX_ALIASES, Rejected, SlugRegistry, source_for
from chalicelib.config import Settings
from chalicelib.models import MAX_CATEGORIES, MAX_TAGS
from chalicelib.publishing.build import build_page
from chalicelib.publishing.comments import parse_comments
from chalicelib.publishing.parsing import SourceDocument, parse_document, split_front_matter
from chalicelib.site.media import media_key

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
PARIS = timezone(timedelta(hours=2))
ITEM = ImportedItem(
    kind="post",
    origin="wordpress:12",
    title="Hello: world",
    slug="hello-world",
    date=datetime(2019, 3, 15, 10, 30, tzinfo=PARIS),
    status="publish",
    markdown="Some *text*.",
    summary="A short excerpt.",
    tags=(ImportedTerm("Python", "python"), ImportedTerm("AWS", "aws")),
    categories=(ImportedTerm("Code", "code"),),
    author="Ada Lovelace",
    author_login="ada",
    old_paths=("/2019/03/15/hello-world/", "/?p=12"),
)


def write(item: ImportedItem, slugs: SlugRegistry | None = None) -> tuple[dict[str, object], str]:
    source = source_for(item, slugs or SlugRegistry(), NOW)
    meta, body = split_front_matter(source.body.decode())
    return meta, body


def parsed(item: ImportedItem):  # type: ignore[no-untyped-def]
    source = source_for(item, SlugRegistry(), NOW)
    doc = SourceDocument(source.key, source.body, NOW)
    return parse_document(doc, ZoneInfo("UTC"), 1_000_000)


def test_a_post_becomes_front_matter_the_pipeline_reads_back() -> None:
    source = source_for(ITEM, SlugRegistry(), NOW)
    assert source.key == "posts/hello-world.md" and source.expect == "published"
    assert source.comments_body is None and source.comments_key == ""
    post = parsed(ITEM)
    assert post.title == "Hello: world" and post.slug == "hello-world"
    assert post.published == datetime(2019, 3, 15, 8, 30, tzinfo=ZoneInfo("UTC"))
    assert [t.name for t in post.tags] == ["Python", "AWS"]
    assert [t.name for t in post.categories] == ["Code"]
    assert post.summary == "A short excerpt." and post.draft is False
    assert post.markdown == "Some *text*.\n"
    meta, _ = write(ITEM)
    assert meta["date"] == "2019-03-15T10:30:00+02:00"
    assert meta["author"] == "Ada Lovelace"
    assert meta["aliases"] == ["/2019/03/15/hello-world/", "/?p=12"]
    assert "menu_order" not in meta


@pytest.mark.parametrize("status", ["draft", "pending", "private", "password", "trash"])
def test_every_status_but_publish_and_future_is_a_draft(status: str) -> None:
    item = replace(ITEM, status=status)  # type: ignore[arg-type]
    assert source_for(item, SlugRegistry(), NOW).expect == "private"
    assert parsed(item).draft is True


def test_future_posts_keep_their_date_and_are_scheduled() -> None:
    later = NOW + timedelta(days=3)
    item = replace(ITEM, status="future", date=later)
    assert source_for(item, SlugRegistry(), NOW).expect == "scheduled"
    assert parsed(item).published == later and parsed(item).draft is False
    # A "future" post whose date has passed (a missed schedule) is published.
    assert source_for(replace(item, date=NOW - timedelta(1)), SlugRegistry(), NOW).expect == (
        "published"
    )


def test_terms_beyond_the_limits_are_dropped_and_noted() -> None:
    tags = tuple(ImportedTerm(f"tag {n}", f"tag-{n}") for n in range(45))
    categories = tuple(ImportedTerm(f"Cat {n}", f"cat-{n}") for n in range(63))
    item = replace(ITEM, tags=tags, categories=categories)
    post = parsed(item)  # the pipeline accepts it: no ParseError
    assert [t.name for t in post.tags] == [f"tag {n}" for n in range(MAX_TAGS)]
    assert len(post.categories) == MAX_CATEGORIES
    notes = source_for(item, SlugRegistry(), NOW).notes
    assert any(f"first {MAX_TAGS} of its 45 tags" in n and "100 writes" in n for n in notes)
    assert any("tag 44" in n for n in notes)
    assert any(f"first {MAX_CATEGORIES} of its 63 categories" in n for n in notes)


def test_terms_that_differ_only_in_case_count_once_and_dots_are_dropped() -> None:
    tags = (ImportedTerm("News", "news"), ImportedTerm("news", "news-2"), ImportedTerm("..", "x"))
    meta, _ = write(replace(ITEM, tags=tags))
    assert meta["tags"] == ["News"]
    assert any("'..'" in n for n in source_for(replace(ITEM, tags=tags), SlugRegistry(), NOW).notes)


def test_slug_clashes_get_a_number_and_a_note() -> None:
    slugs = SlugRegistry()
    keys = [source_for(replace(ITEM, origin=f"wp:{n}"), slugs, NOW) for n in range(3)]
    assert [s.key for s in keys] == [
        "posts/hello-world.md",
        "posts/hello-world-2.md",
        "posts/hello-world-3.md",
    ]
    assert keys[0].notes == () and "'hello-world-3'" in keys[2].notes[0]
    # Pages have their own names: a page may share a post's slug.
    page = source_for(replace(ITEM, kind="page"), slugs, NOW)
    assert page.key == "pages/hello-world.md"


def test_slugs_are_decoded_and_made_safe() -> None:
    meta, _ = write(replace(ITEM, slug="%e6%97%a5%e6%9c%ac-go"))
    assert meta["slug"] == "日本-go"
    assert write(replace(ITEM, slug="", title="Été à Paris!"))[0]["slug"] == "été-à-paris"
    assert write(replace(ITEM, slug="15"))[0]["slug"] == "post-15"


def test_missing_title_and_slug_fall_back_with_a_note() -> None:
    item = replace(ITEM, title="", slug="", origin="wordpress:77")
    source = source_for(item, SlugRegistry(), NOW)
    assert source.key == "posts/wordpress-77.md"
    assert any("no title" in n for n in source.notes)
    assert parsed(item).title == "Wordpress 77"


def test_a_public_post_without_a_date_is_rejected_a_draft_is_not() -> None:
    with pytest.raises(Rejected, match="without a date"):
        source_for(replace(ITEM, date=None), SlugRegistry(), NOW)
    meta, _ = write(replace(ITEM, date=None, status="draft"))
    assert "date" not in meta and meta["draft"] is True
    page = replace(ITEM, kind="page", date=None, menu_order=3)
    assert write(page)[0]["menu_order"] == 3


def test_a_page_cannot_take_an_address_the_site_uses() -> None:
    source = source_for(replace(ITEM, kind="page", slug="feed"), SlugRegistry(), NOW)
    assert source.key == "pages/page-feed.md"
    assert any("'feed'" in n for n in source.notes)


def test_aliases_are_capped_with_the_rest_noted() -> None:
    paths = tuple(f"/old/{n}/" for n in range(25)) + ("not-a-path",)
    source = source_for(replace(ITEM, old_paths=paths), SlugRegistry(), NOW)
    meta, _ = split_front_matter(source.body.decode())
    assert meta["aliases"] == [f"/old/{n}/" for n in range(MAX_ALIASES)]
    assert any("/old/24/" in n and "/old/19/" not in n for n in source.notes)


def test_only_aliases_the_pipeline_accepts_are_written() -> None:
    paths = ("/2019/03/15/hello/", "/?p=12", "https://old.example/x/", "/a b/", "/?s=x", "/?p=12")
    source = source_for(replace(ITEM, old_paths=paths), SlugRegistry(), NOW)
    assert parsed(replace(ITEM, old_paths=paths)).aliases == ("/2019/03/15/hello/", "/?p=12")
    dropped = [n for n in source.notes if n.startswith("old address dropped")]
    assert len(dropped) == 3 and "'/?s=x'" in dropped[2]


def test_a_pages_old_addresses_become_its_aliases_but_its_own_path() -> None:
    old = ("/about-us/", "/?page_id=2", "/about/")
    page = replace(ITEM, kind="page", slug="about", old_paths=old)
    source = source_for(page, SlugRegistry(), NOW)
    meta, _ = split_front_matter(source.body.decode())
    assert meta["aliases"] == ["/about-us/", "/?page_id=2"]
    assert source.notes == ()
    assert parsed(page).aliases == ("/about-us/", "/?page_id=2")


PAGE = replace(ITEM, kind="page", date=None, tags=(), categories=(), old_paths=())


def page_of(slug: str, parent: str = "", *old: str) -> ImportedItem:
    return replace(PAGE, origin=f"wordpress:{slug}", slug=slug, parent_path=parent, old_paths=old)


def test_nested_pages_keep_their_paths_under_their_parents() -> None:
    slugs = SlugRegistry()
    about = source_for(page_of("about", "", "/about/", "/?page_id=2"), slugs, NOW)
    team = source_for(page_of("team", "/about/", "/about/team/", "/?page_id=3"), slugs, NOW)
    lead = source_for(page_of("lead", "/about/team/", "/about/team/lead/"), slugs, NOW)
    other = source_for(page_of("team", "/company/", "/company/team/"), slugs, NOW)
    top = source_for(page_of("about-team"), slugs, NOW)
    assert [s.key for s in (about, team, lead, other, top)] == [
        "pages/about.md",
        "pages/about-team.md",
        "pages/about-team-lead.md",
        "pages/company-team.md",
        "pages/about-team-2.md",  # its file only: its slug is its own
    ]
    meta, _ = split_front_matter(team.body.decode())
    assert (meta["slug"], meta["parent"], meta["aliases"]) == ("team", "about", ["/?page_id=3"])
    assert "aliases" not in split_front_matter(lead.body.decode())[0]
    # Read back as the pipeline builds it: at its old path.
    doc = SourceDocument(lead.key, lead.body, NOW)
    assert build_page(doc, Settings(table_name="t", bucket_name="b")).slug == "about/team/lead"
    assert split_front_matter(other.body.decode())[0]["slug"] == "team"
    assert split_front_matter(top.body.decode())[0]["slug"] == "about-team"
    assert not any(s.notes for s in (about, team, lead, other, top))


def test_nested_pages_in_any_script_keep_their_decoded_paths() -> None:
    encoded = "/%ce%b1%ce%b8%ce%ae%ce%bd%ce%b1/"
    source = source_for(
        page_of("%e6%9d%b1%e4%ba%ac", encoded, encoded + "東京/"), SlugRegistry(), NOW
    )
    meta, _ = split_front_matter(source.body.decode())
    assert (meta["parent"], meta["slug"]) == ("αθήνα", "東京")
    assert "aliases" not in meta
    doc = SourceDocument(source.key, source.body, NOW)
    assert build_page(doc, Settings(table_name="t", bucket_name="b")).slug == "αθήνα/東京"


@pytest.mark.parametrize(
    ("parent", "wanted", "note"),
    [
        ("/?page_id=2", "", "had no path"),
        ("/a/b/c/d/", "", "nest at most"),
        ("/author/", "", "site uses"),
        ("/feed/", "page-feed", ""),  # the parent page itself became /page-feed/
        ("/2019/", "page-2019", ""),
        ("/", "", ""),
    ],
)
def test_a_page_that_cannot_nest_where_it_was_is_top_level(
    parent: str, wanted: str, note: str
) -> None:
    source = source_for(page_of("child", parent), SlugRegistry(), NOW)
    meta, _ = split_front_matter(source.body.decode())
    assert meta.get("parent", "") == wanted
    assert any(note in n for n in source.notes) if note else source.notes == ()
    doc = SourceDocument(source.key, source.body, NOW)
    built = build_page(doc, Settings(table_name="t", bucket_name="b"))
    assert built.slug == (f"{wanted}/child" if wanted else "child")


def test_long_authors_are_cut_to_what_the_pipeline_takes() -> None:
    post = parsed(replace(ITEM, author="A" * 300))
    assert post.author is not None and post.author.name == "A" * 200
    assert "author" not in write(replace(ITEM, author="", author_login=""))[0]


def test_comments_are_kept_within_the_pipelines_limits() -> None:
    day = datetime(2019, 3, 16, tzinfo=UTC)
    many = tuple(
        ImportedComment(str(n), "", "X" * 300, day + timedelta(minutes=n), "t" * 30_000)
        for n in range(2_100)
    )
    source = source_for(replace(ITEM, comments=many), SlugRegistry(), NOW)
    assert source.comments_body is not None
    entries = json.loads(source.comments_body)
    assert len(source.comments_body) <= 2_000_000 and 0 < len(entries) < 2_000
    assert entries[0]["id"] == "0" and len(entries[0]["author"]) == 200
    assert len(entries[0]["text"]) == 20_000
    assert parse_comments(source.comments_body)  # the pipeline reads it
    assert any("of its 2000 comments (2 MB at most)" in n for n in source.notes)
    assert any("of its 2100 comments" in n for n in source.notes)


def test_comments_go_beside_the_post_in_order_without_addresses() -> None:
    day = datetime(2019, 3, 16, tzinfo=UTC)
    comments = (
        ImportedComment("9", "7", "Bob", day + timedelta(hours=2), "Reply **here**", ""),
        ImportedComment("7", "", " Ann ", day, "First!", "https://ann.example"),
    )
    source = source_for(replace(ITEM, comments=comments), SlugRegistry(), NOW)
    assert source.comments_key == "posts/hello-world.comments.json"
    assert source.comments_body is not None
    assert json.loads(source.comments_body) == [
        {
            "id": "7",
            "parent": "",
            "author": "Ann",
            "date": "2019-03-16T00:00:00+00:00",
            "text": "First!",
            "url": "https://ann.example",
        },
        {
            "id": "9",
            "parent": "7",
            "author": "Bob",
            "date": "2019-03-16T02:00:00+00:00",
            "text": "Reply **here**",
            "url": "",
        },
    ]


def test_hostile_text_stays_inside_the_front_matter() -> None:
    item = replace(ITEM, title="---\ninjected: true", summary="a\n---\nb", author="x: [y")
    meta, body = write(item)
    assert "injected" not in meta and body.strip() == "Some *text*."
    assert meta["title"] == "--- injected: true" and meta["author"] == "x: [y"
    assert parsed(item).summary == "a --- b"


# Media


def test_media_keys_fit_the_sites_media_addresses() -> None:
    assert media_file_key("2019/03/photo.JPEG") == "media/imported-2019-03/photo.jpg"
    assert media_file_key("cover.png") == "media/imported/cover.png"
    key = media_file_key("my files/été 2019/ma photo (1).jpg")
    assert key == "media/imported-my-files-été-2019/ma-photo-1.jpg"
    long = media_file_key("/".join(["deep"] * 30) + "/" + "n" * 200 + ".pdf")
    folder, name = long.removeprefix("media/").split("/")
    assert media_key(folder, name) == long


@pytest.fixture
def uploads(tmp_path: Path) -> Path:
    root = tmp_path / "uploads"
    (root / "2019" / "03").mkdir(parents=True)
    (root / "2019" / "03" / "photo.jpg").write_bytes(b"jpeg")
    (root / "2019" / "03" / "photo-150x150.jpg").write_bytes(b"thumb")
    (root / "2019" / "03" / "song.mp3").write_bytes(b"mp3")
    (tmp_path / "secret.jpg").write_bytes(b"secret")
    return root


def test_every_reference_to_a_given_file_is_rewritten(uploads: Path) -> None:
    base = "https://example.org/wp-content/uploads/2019/03"
    markdown = (
        f'<img src="{base}/photo-150x150.jpg" srcset="{base}/photo-300x200.jpg 300w, '
        f'http://www.example.org/wp-content/uploads/2019/03/photo.jpg 1024w">\n'
        f"[full]({base}/photo.jpg?w=2048) and [same](/wp-content/uploads/2019/03/photo.jpg)\n"
        '<!-- wp:image {"url":"https:\\/\\/example.org\\/wp-content\\/uploads\\/2019\\/03'
        '\\/photo.jpg"} -->\n'
        "![cdn](https://cdn.example.net/wp-content/uploads/2019/03/photo.jpg)\n"
    )
    planner = MediaPlanner("https://example.org", uploads)
    found = planner.plan(replace(ITEM, markdown=markdown, media=(f"{base}/photo.jpg",)))
    assert sorted(f.key for f in found.files) == [
        "media/imported-2019-03/photo-150x150.jpg",
        "media/imported-2019-03/photo.jpg",
    ]
    assert found.missing == ()
    new = "../media/imported-2019-03/photo.jpg"
    assert found.markdown == (
        '<img src="../media/imported-2019-03/photo-150x150.jpg" '
        f'srcset="{new} 300w, {new} 1024w">\n'
        f"[full]({new}) and [same]({new})\n"
        '<!-- wp:image {"url":"..\\/media\\/imported-2019-03\\/photo.jpg"} -->\n'
        "![cdn](https://cdn.example.net/wp-content/uploads/2019/03/photo.jpg)\n"
    )
    # A second item referencing the same file does not copy it again.
    again = planner.plan(replace(ITEM, markdown=f"![x]({base}/photo.jpg)"))
    assert again.files == () and again.markdown == f"![x]({new})"


def test_references_without_a_file_stay_and_are_listed(uploads: Path) -> None:
    base = "https://example.org/wp-content/uploads"
    markdown = (
        f"![gone]({base}/2020/01/gone.png) [song]({base}/2019/03/song.mp3) "
        f"![escape]({base}/../../secret.jpg)"
    )
    found = MediaPlanner("https://example.org", uploads).plan(replace(ITEM, markdown=markdown))
    assert found.markdown == markdown and found.files == ()
    assert sorted(found.missing) == [
        "/wp-content/uploads/../../secret.jpg: not in the uploads folder",
        "/wp-content/uploads/2019/03/song.mp3: the blog does not serve .mp3 files",
        "/wp-content/uploads/2020/01/gone.png: not in the uploads folder",
    ]
    without = MediaPlanner("https://example.org", None).plan(replace(ITEM, markdown=markdown))
    assert all(m.endswith("no --uploads folder given") for m in without.missing)


def test_site_relative_media_of_static_sites(tmp_path: Path) -> None:
    (tmp_path / "assets" / "img").mkdir(parents=True)
    (tmp_path / "assets" / "img" / "map.png").write_bytes(b"png")
    (tmp_path / "assets-img").mkdir()
    (tmp_path / "assets-img" / "map.png").write_bytes(b"other png")
    item = replace(
        ITEM,
        markdown="![map](/assets/img/map.png) ![b](/assets-img/map.png) see /assets/img/map.png",
        media=("/assets/img/map.png", "/assets-img/map.png", "relative/x.png"),
    )
    found = MediaPlanner("", tmp_path).plan(item)
    first, second = (f.key for f in found.files)
    assert first == "media/imported-assets-img/map.png"  # planned in path order
    assert second.startswith("media/imported-assets-img/map-") and second.endswith(".png")
    assert found.markdown.count("../media/imported-assets-img/map") == 3
    assert len({f.path for f in found.files}) == 2


def test_every_page_of_a_real_export_keeps_its_path() -> None:
    # WordPress's theme unit test data: 20 pages, 13 nested up to three deep, one in Greek.
    corpus = Path(__file__).parents[1] / "corpus/import/wordpress/themeunittestdata.wordpress.xml"
    slugs, settings, paths = SlugRegistry(), Settings(table_name="t", bucket_name="b"), {}
    for item in read_site(corpus).items:
        if item.kind == "page":
            source = source_for(item, slugs, NOW)
            doc = SourceDocument(source.key, source.body, NOW)
            paths[item.old_paths[0]] = "/" + build_page(doc, settings).slug + "/"
    assert len(paths) == 20
    assert all(old == new for old, new in paths.items())
    assert {"/level-1/level-2/level-3a/", "/greek/επίπεδο-2/επίπεδο-3/"} <= set(paths)


def test_sticky_posts_say_so_in_front_matter_pages_never() -> None:
    meta, _ = write(replace(ITEM, sticky=True))
    assert meta["sticky"] is True
    assert parsed(replace(ITEM, sticky=True)).sticky is True
    assert "sticky" not in write(ITEM)[0] and parsed(ITEM).sticky is False
    page = replace(ITEM, kind="page", sticky=True, old_paths=())
    assert "sticky" not in write(page)[0]


def test_the_real_exports_paginated_and_sticky_posts_reach_the_pipeline() -> None:
    corpus = Path(__file__).parents[1] / "corpus" / "import" / "wordpress"
    items = {i.title: i for i in read_site(corpus / "themeunittestdata.wordpress.xml").items}
    sticky = parsed(items["Template: Sticky"])
    assert sticky.sticky is True and parsed(items["Template: Paginated"]).sticky is False
    paginated = parsed(items["Template: Paginated"])
    assert paginated.markdown.count("\n<!--nextpage-->\n") == 2
