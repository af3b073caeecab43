"""Feeds, sitemap, robots.txt, page metadata and HTTP caching, through the handlers."""

from __future__ import annotations

from collections.abc import Callable
from email.utils import parsedate_to_datetime
from typing import Any
from xml.etree import ElementTree

import feedparser
import pytest
from chalice.test import Client

from tests.helpers.local import BUCKET_NAME
from tests.helpers.pages import elements
from tests.helpers.posts import make_post_markdown
from tests.helpers.sitemaps import sitemap_locations

Publish = Callable[[str, str], None]
FEEDS = ["/feed/", "/feed/atom/", "/tag/aws/feed/", "/tag/aws/feed/atom/"]
FEEDS += ["/category/eng/feed/", "/category/eng/feed/atom/"]


@pytest.fixture(autouse=True)
def allowed_host(configure: Callable[..., None]) -> None:
    configure(allowed_hosts=frozenset({"blog.example.org"}))


def publish_blog(publish: Publish) -> None:
    publish("posts/one.md", make_post_markdown("One", "2026-08-11T20:40:00", ["AWS"], ["Eng"]))
    publish(
        "posts/two.md",
        make_post_markdown("Two & more", "2026-09-02T08:00:00+02:00", ["AWS"], ["Eng"]),
    )


@pytest.fixture(scope="module")
def blog(shared_blog: Publish) -> None:
    publish_blog(shared_blog)


@pytest.fixture
def blog_to_edit(publish: Publish) -> None:
    publish_blog(publish)


def parse(client: Client, path: str) -> Any:
    response = client.http.get(path, headers={"Host": "blog.example.org"})
    assert response.status_code == 200, path
    return feedparser.parse(response.body)


@pytest.mark.usefixtures("blog")
@pytest.mark.parametrize("path", FEEDS)
def test_feeds_parse_cleanly_with_absolute_links_and_dates(client: Client, path: str) -> None:
    feed = parse(client, path)
    assert feed.bozo is False, feed.get("bozo_exception")
    assert feed.version in ("rss20", "atom10")
    assert [e.title for e in feed.entries] == ["Two & more", "One"]
    assert feed.entries[0].link == "http://blog.example.org/2026/09/two/"
    assert feed.entries[0].published_parsed[:5] == (2026, 9, 2, 6, 0)


@pytest.mark.usefixtures("blog_to_edit")
def test_entry_ids_survive_an_update(client: Client, publish: Publish) -> None:
    before = {e.id for e in parse(client, "/feed/atom/").entries} | {
        e.id for e in parse(client, "/feed/").entries
    }
    publish(
        "posts/one.md", make_post_markdown("One, revised", "2026-08-11T20:40:00", ["AWS"], ["Eng"])
    )
    after = {e.id for e in parse(client, "/feed/atom/").entries} | {
        e.id for e in parse(client, "/feed/").entries
    }
    assert before == after and len(before) == 4


@pytest.mark.usefixtures("blog")
def test_every_page_advertises_the_feeds(client: Client) -> None:
    for path in ("/", "/2026/09/two/", "/tag/aws/", "/nope"):
        html = client.http.get(path).body.decode()
        types = {link["type"] for link in elements(html, "link", rel="alternate")}
        assert types == {"application/rss+xml", "application/atom+xml"}, path
    tag_page = client.http.get("/tag/aws/").body.decode()
    assert elements(tag_page, "link", rel="alternate", href="/tag/aws/feed/")


def test_feed_of_unknown_tag_is_404(client: Client) -> None:
    assert client.http.get("/tag/none/feed/").status_code == 404


@pytest.mark.usefixtures("blog")
def test_sitemap_is_valid_and_robots_names_it(client: Client) -> None:
    locations = sitemap_locations(client, "blog.example.org")
    assert set(locations) >= {
        "http://blog.example.org/",
        "http://blog.example.org/2026/08/one/",
        "http://blog.example.org/2026/09/two/",
        "http://blog.example.org/tag/aws/",
        "http://blog.example.org/category/eng/",
    }
    assert len(locations) == len(set(locations))
    robots = client.http.get("/robots.txt", headers={"Host": "blog.example.org"}).body.decode()
    assert "Sitemap: http://blog.example.org/sitemap.xml" in robots


@pytest.mark.usefixtures("blog")
def test_post_page_metadata(client: Client) -> None:
    html = client.http.get("/2026/09/two/", headers={"Host": "blog.example.org"}).body.decode()
    [canonical] = elements(html, "link", rel="canonical")
    assert canonical["href"] == "http://blog.example.org/2026/09/two/"
    [description] = elements(html, "meta", name="description")
    assert description["content"] == "Body text."
    og = {m["property"]: m["content"] for m in elements(html, "meta") if "property" in m}
    assert og["og:type"] == "article" and og["og:title"] == "Two & more"
    assert og["og:url"] == canonical["href"]


def test_host_header_cannot_inject_markup(client: Client, publish: Publish) -> None:
    publish("posts/one.md", make_post_markdown("One", "2026-08-11"))
    html = client.http.get("/", headers={"Host": 'evil.example"><script>x</script>'}).body.decode()
    assert "evil.example" not in html and "<script>" not in html


@pytest.mark.usefixtures("blog")
@pytest.mark.parametrize("path", ["/", "/2026/09/two/", "/tag/aws/", "/feed/", "/sitemap.xml"])
def test_strong_etag_and_conditional_get(client: Client, path: str) -> None:
    first = client.http.get(path)
    etag = first.headers["ETag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    assert first.headers["Cache-Control"] == "public, max-age=300"
    again = client.http.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.body == b""
    assert again.headers["ETag"] == etag
    assert client.http.get(path, headers={"If-None-Match": '"other"'}).status_code == 200


def test_last_modified_on_post_pages(client: Client, publish: Publish, s3: Any) -> None:
    publish("posts/one.md", make_post_markdown("One", "2026-08-11"))
    uploaded = s3.head_object(Bucket=BUCKET_NAME, Key="posts/one.md")["LastModified"]
    response = client.http.get("/2026/08/one/")
    assert parsedate_to_datetime(response.headers["Last-Modified"]) == uploaded
    assert "Last-Modified" not in client.http.get("/").headers


def test_feeds_stay_well_formed_with_characters_xml_forbids(
    client: Client, publish: Publish
) -> None:
    publish("posts/odd.md", "# Odd \uffff title\n\nBody &#xFFFF; with &#1; references.\n")
    publish(
        "posts/escaped.md",
        '---\ntitle: "Escaped \\uFFFE\\x01"\ndate: 2026-08-12\n'
        'tags: ["aws\\uFFFF"]\ncategories: ["eng\\x0b"]\n---\nText.\n',
    )
    for path in ("/feed/", "/feed/atom/", "/tag/aws/feed/", "/category/eng/feed/atom/"):
        body = client.http.get(path).body.decode()
        root = ElementTree.fromstring(body)
        text = "".join(root.itertext())
        assert "Odd title" in text or path.startswith(("/tag/", "/category/")), path
        assert "Escaped" in text, path
    summary = ElementTree.fromstring(client.http.get("/feed/").body.decode()).findall(
        ".//item/description"
    )
    assert any(s.text == "Body with references." for s in summary)
