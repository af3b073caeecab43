"""WordPress's layout markers, published through the pipeline: <!--nextpage--> and sticky posts."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from chalice.test import Client

from bench.probe import DynamoProbe
from blogctl.importing.wordpress import read_site
from blogctl.importing.writer import SlugRegistry, source_for
from chalicelib import aws
from tests.helpers.events import deliver
from tests.helpers.local import BUCKET_NAME
from tests.helpers.pages import elements
from tests.helpers.posts import UPLOAD_TIME, make_post_markdown

Publish = Callable[[str, str | bytes], None]
SPLIT = "/2024/05/split/"
PARTS = ["walrus first", "narwhal second", "octopus third"]
THEME_EXPORT = Path(__file__).parents[1] / "corpus/import/wordpress/themeunittestdata.wordpress.xml"
COMMENTS = [{"id": "1", "author": "Reader", "date": "2024-05-02T10:00:00+00:00", "text": "Nice."}]


def post(title: str, date: str, extra: str = "", body: str = "Body.") -> str:
    return f"---\ntitle: {title}\ndate: {date}\n{extra}---\n{body}\n"


@pytest.fixture(scope="module")
def blog(shared_blog: Publish, moto_endpoint: str) -> None:
    s3 = aws.s3_client()
    s3.put_object(
        Bucket=BUCKET_NAME, Key="posts/split.comments.json", Body=json.dumps(COMMENTS).encode()
    )
    body = "\n\n<!--nextpage-->\n\n".join(f"The {words}." for words in PARTS)
    aliases = "aliases: ['/2024/05/01/split/']\ntags: [sea]\n"
    shared_blog("posts/split.md", post("Split", "2024-05-01", aliases, body))
    shared_blog("posts/plain.md", post("Plain", "2024-05-03", "tags: [sea]\n"))
    for day in range(10, 16):
        shared_blog(f"posts/p{day}.md", make_post_markdown(f"P{day}", f"2024-06-{day}", ["sea"]))
    shared_blog("posts/old-sticky.md", post("Old sticky", "2020-01-01", "sticky: true\n"))
    shared_blog("posts/new-sticky.md", post("New sticky", "2024-06-12T12:00", "sticky: true\n"))


def page(client: Client, path: str) -> str:
    response = client.http.get(path)
    assert response.status_code == 200, path
    return str(response.body.decode())


def page_links(html: str) -> str:
    return html.split('<nav class="page-links"', 1)[1].split("</nav>", 1)[0]


@pytest.mark.usefixtures("blog")
def test_every_part_has_its_own_address_and_page_links(client: Client) -> None:
    for number, words in enumerate(PARTS, start=1):
        path = SPLIT if number == 1 else f"{SPLIT}{number}/"
        html = page(client, path)
        content = html.split('<div class="entry-content">', 1)[1].split("</article>", 1)[0]
        assert words in content and all(w not in content for w in PARTS if w != words)
        assert "nextpage" not in html
        [canonical] = elements(html, "link", rel="canonical")
        [og_url] = elements(html, "meta", property="og:url")
        assert canonical["href"].endswith(path) and og_url["content"] == canonical["href"]
        title = html.split("<title>", 1)[1].split("</title>", 1)[0]
        assert title.startswith("Split – ") and ("Page " in title) == (number > 1)
        links = page_links(content)
        assert f'<span class="current" aria-current="page">{number}</span>' in links
        hrefs = [a["href"] for a in elements(links, "a")]
        assert hrefs == [
            p for n, p in [(1, SPLIT), (2, f"{SPLIT}2/"), (3, f"{SPLIT}3/")] if n != number
        ]
        # The post's comments, byline and tags are on every part, as on WordPress.
        assert "Nice." in content and '<p class="tags">' in content


@pytest.mark.usefixtures("blog")
def test_page_links_read_like_wordpress(client: Client) -> None:
    links = page_links(page(client, f"{SPLIT}2/"))
    assert links.split(">", 1)[1] == (
        f'Pages: <a href="{SPLIT}">1</a> <span class="current" aria-current="page">2</span>'
        f' <a href="{SPLIT}3/">3</a>'
    )


@pytest.mark.usefixtures("blog")
def test_a_post_without_parts_has_no_page_links(client: Client) -> None:
    assert "page-links" not in page(client, "/2024/05/plain/")
    assert client.http.get("/2024/05/plain/2/").status_code == 404


@pytest.mark.usefixtures("blog")
@pytest.mark.parametrize("tail", ["1/", "01/", "02/", "0/", "4/", "1000/", "x/", "-2/"])
def test_parts_that_do_not_exist_are_not_found(client: Client, tail: str) -> None:
    assert client.http.get(f"{SPLIT}{tail}").status_code == 404


@pytest.mark.usefixtures("blog")
def test_old_addresses_four_deep_still_redirect(client: Client) -> None:
    response = client.http.get("/2024/05/01/split/")
    assert (response.status_code, response.headers["Location"]) == (301, SPLIT)


@pytest.mark.usefixtures("blog")
def test_a_part_costs_one_request_like_the_post(client: Client) -> None:
    probe = DynamoProbe(aws.dynamodb_client())
    for path in (SPLIT, f"{SPLIT}3/"):
        usage = probe.measure()
        page(client, path)
        assert usage.requests == ["BatchGetItem"], path
    usage = probe.measure()
    page(client, "/")
    assert sorted(usage.requests) == ["GetItem", "Query"]


@pytest.mark.usefixtures("blog")
def test_search_feeds_and_summary_read_the_whole_post(client: Client) -> None:
    results = page(client, "/search?q=octopus")
    assert 'href="/2024/05/split/"' in results
    feed = client.http.get("/feed/").body.decode()
    assert "The walrus first. The narwhal second. The octopus third." in feed


def listed(html: str) -> list[str]:
    """Return the titles a listing page shows, in order."""
    headings = html.split('<h2 class="entry-title">')[1:]
    return [h.split("</a>", 1)[0].rsplit(">", 1)[1] for h in headings]


@pytest.mark.usefixtures("blog")
def test_sticky_posts_head_the_first_home_page_only(
    client: Client, configure: Callable[..., None]
) -> None:
    configure(posts_per_page=3)
    home = page(client, "/")
    # New sticky is also among the newest three: shown once, first.
    assert listed(home) == ["New sticky", "Old sticky", "P15", "P14", "P13"]
    featured = home.split('<article class="entry sticky">')
    assert len(featured) == 3 and all(
        '<p class="featured-label">Featured</p>' in f for f in featured[1:]
    )
    assert home.count("Featured") == 2
    # Page 2 goes on where the plain listing's page 1 ended: unchanged by sticky posts.
    older = elements(home, "a", rel="next")[0]["href"]
    assert listed(page(client, older)) == ["New sticky", "P12", "P11"]
    tag = page(client, "/tag/sea/")
    assert listed(tag)[:2] == ["P15", "P14"] and "Featured" not in tag


@pytest.mark.usefixtures("blog")
def test_feeds_and_archives_keep_date_order(client: Client) -> None:
    feed = client.http.get("/feed/").body.decode()
    titles = [t.split("<title>", 1)[1].split("</title>", 1)[0] for t in feed.split("<item>")[1:]]
    assert titles[:4] == ["P15", "P14", "P13", "New sticky"] and titles[-1] == "Old sticky"
    assert "Featured" not in page(client, "/2020/")


def test_unsticking_or_deleting_updates_the_home_page(
    client: Client, publish: Publish, s3: Any
) -> None:
    publish("posts/a.md", post("A", "2024-01-01", "sticky: true\n"))
    publish("posts/b.md", post("B", "2024-02-01", "sticky: true\n"))
    publish("posts/c.md", post("C", "2024-03-01"))
    assert listed(page(client, "/")) == ["B", "A", "C"]
    publish("posts/b.md", post("B", "2024-02-01", "sticky: false\n"))
    assert listed(page(client, "/")) == ["A", "C", "B"]
    s3.delete_object(Bucket=BUCKET_NAME, Key="posts/a.md")
    deliver(client, "posts/a.md", "ObjectRemoved:Delete")
    home = page(client, "/")
    assert listed(home) == ["C", "B"] and "Featured" not in home


def test_a_sticky_post_made_draft_or_scheduled_leaves_the_home_page(
    client: Client, publish: Publish
) -> None:
    publish("posts/a.md", post("A", "2024-01-01", "sticky: true\n"))
    publish("posts/b.md", post("B", "2024-02-01", "sticky: true\n"))
    publish("posts/c.md", post("C", "2024-03-01"))
    assert listed(page(client, "/")) == ["B", "A", "C"]
    publish("posts/a.md", post("A", "2024-01-01", "sticky: true\ndraft: true\n"))
    publish("posts/b.md", post("B", "2999-01-01", "sticky: true\n"))  # scheduled
    publish("posts/d.md", post("D", "2024-04-01", "sticky: true\ndraft: true\n"))
    home = page(client, "/")
    assert listed(home) == ["C"] and "Featured" not in home


def test_part_numbers_are_ascii_digits_only(client: Client, publish: Publish) -> None:
    body = "\n\n<!--nextpage-->\n\n".join(f"Part number {n}." for n in range(1, 13))
    publish("posts/long.md", post("Long", "2024-05-01", "", body))
    assert "Part number 12." in page(client, "/2024/05/long/12/")
    # int() reads Arabic-Indic and fullwidth digits: "1٢" would serve part 12 again.
    for tail in ("1%D9%A2/", "%EF%BC%91%EF%BC%92/", "1%EF%BC%92/"):
        assert client.http.get(f"/2024/05/long/{tail}").status_code == 404, tail


def test_a_sticky_page_or_a_non_boolean_is_rejected(
    client: Client, publish: Publish, s3: Any
) -> None:
    publish("posts/bad.md", post("Bad", "2024-01-01", "sticky: yes please\n"))
    publish("pages/about.md", post("About", "2024-01-01", "sticky: true\n"))
    for key, reason in [
        ("posts/bad.md", "sticky must be true or false"),
        ("pages/about.md", "posts only"),
    ]:
        report = s3.get_object(Bucket=BUCKET_NAME, Key=f"errors/{key}.json")["Body"].read().decode()
        assert reason in report
    assert client.http.get("/2024/01/bad/").status_code == 404


def test_the_theme_exports_paginated_and_sticky_posts(client: Client, publish: Publish) -> None:
    wanted = {"Template: Paginated", "Template: Sticky", "Template: Excerpt (Defined)"}
    items = [i for i in read_site(THEME_EXPORT).items if i.title in wanted]
    slugs = SlugRegistry()
    for item in items:
        source = source_for(item, slugs, UPLOAD_TIME)
        publish(source.key, source.body)
    base = "/2012/01/template-paginated/"
    for number in (1, 2, 3):
        html = page(client, base if number == 1 else f"{base}{number}/")
        assert f"Post Page {number}" in html and page_links(html).count("<a ") == 2
    assert client.http.get(f"{base}4/").status_code == 404
    home = page(client, "/")
    assert listed(home)[0] == "Template: Sticky" and home.count("Featured") == 1
