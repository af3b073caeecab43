"""Routes through chalice.test.Client, with posts published by real S3 events."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import pytest
from chalice.test import Client

from chalicelib import aws
from tests.helpers.local import BUCKET_NAME
from tests.helpers.pages import elements, links
from tests.helpers.posts import make_post_markdown

Publish = Callable[[str, str], None]


def get(client: Client, path: str) -> tuple[int, str]:
    response = client.http.get(path)
    return response.status_code, response.body.decode()


@pytest.fixture(scope="module")
def blog(shared_blog: Publish) -> None:
    shared_blog(
        "posts/one.md", make_post_markdown("One", "2026-08-11T20:40", ["AWS", "東京"], ["Eng"])
    )
    shared_blog("posts/two.md", make_post_markdown("Two", "2026-09-02", ["AWS"], ["Eng", "Life"]))
    shared_blog("posts/three.md", make_post_markdown("Three", "2026-09-20", ["python"], ["Life"]))


@pytest.mark.usefixtures("blog")
@pytest.mark.parametrize(
    ("path", "present", "absent"),
    [
        ("/", ["Three", "Two", "One"], []),
        ("/2026/08/one/", ["One", "Body text."], []),
        ("/tag/aws/", ["Tag: AWS", "Two", "One"], ["Three"]),
        ("/tag/%E6%9D%B1%E4%BA%AC/", ["Tag: 東京", "One"], ["Two"]),
        ("/category/life/", ["Category: Life", "Three", "Two"], ["One"]),
        ("/2026/", ["2026", "Three", "One"], []),
        ("/2026/09/", ["September 2026", "Three", "Two"], ["One"]),
        ("/2026/09/20/", ["September 20, 2026", "Three"], ["Two"]),
    ],
)
def test_pages_list_the_right_posts(
    client: Client, path: str, present: list[str], absent: list[str]
) -> None:
    status, html = get(client, path)
    assert status == 200
    content = html.split('<main id="content"', 1)[1].split("</main>", 1)[0]
    for text in present:
        assert text in content
    for text in absent:
        assert f">{text}</a>" not in content


@pytest.mark.usefixtures("blog")
def test_layout_of_the_classic_blog(client: Client) -> None:
    status, html = get(client, "/")
    assert status == 200
    assert elements(html, "nav", class_="main-menu")
    [form] = elements(html, "form", role="search")
    assert form["action"] == "/search" and form["method"] == "get"
    assert elements(html, "input", name="q", type="search")
    assert 'href="/category/eng/">Eng</a> <span class="count">(2)</span>' in html
    assert 'href="/category/life/">Life</a> <span class="count">(2)</span>' in html
    assert "<caption>September 2026</caption>" in html
    day_links = [a["href"] for a in elements(html, "a") if a["href"].startswith("/2026/09/")]
    assert {"/2026/09/02/", "/2026/09/20/"} <= set(day_links)
    assert elements(html, "a", class_="prev-month", href="/2026/08/")
    assert [a["title"] for a in elements(html, "a", class_="weight-5")] == ["2 posts"]


def calendar_head(html: str) -> tuple[list[str], int]:
    """Return the calendar's weekday headers and how many empty cells come before the 1st."""
    headers = [th["title"] for th in elements(html, "th", scope="col")]
    table = re.sub(r"\s+", "", html.split('<table class="calendar">', 1)[1].split("</table>")[0])
    found = re.search(r"<tbody><tr>((?:<tdclass=\"pad\"></td>)*)<td[^>]*>(?:<a[^>]*>)?1<", table)
    assert found, table
    return headers, found.group(1).count("pad")


@pytest.mark.usefixtures("blog")
@pytest.mark.parametrize(
    ("start_of_week", "first_header", "padding"),
    [(None, "Sunday", 2), (1, "Monday", 1), (6, "Saturday", 3)],
)
def test_calendar_weeks_start_on_the_configured_day(
    client: Client,
    configure: Callable[..., None],
    start_of_week: int | None,
    first_header: str,
    padding: int,
) -> None:
    # 1 September 2026 is a Tuesday: Sunday first (WordPress's default) leaves two cells.
    if start_of_week is not None:
        configure(start_of_week=start_of_week)
    headers, pads = calendar_head(get(client, "/")[1])
    assert headers[0] == first_header and len(set(headers)) == 7
    assert pads == padding


@pytest.mark.usefixtures("blog")
def test_post_page_shows_metadata_and_neighbours(client: Client) -> None:
    status, html = get(client, "/2026/09/two/")
    assert status == 200
    assert '<h1 class="entry-title">Two</h1>' in html
    assert '<time datetime="2026-09-02T00:00:00+00:00">September 2, 2026</time>' in html
    assert elements(html, "a", rel="tag", href="/tag/aws/")
    assert elements(html, "a", rel="category", href="/category/life/")
    assert elements(html, "a", rel="prev", href="/2026/08/one/")
    assert elements(html, "a", rel="next", href="/2026/09/three/")
    assert "<caption>September 2026</caption>" in html


@pytest.mark.parametrize(
    "path",
    [
        "/nope",
        "/2026/08/missing/",
        "/2026/13/",
        "/2026/02/30/",
        "/tag/none/",
        "/category/x/",
        "/1999/",
        "/a/b/c/d",
        "/2026/8/one/",
        "/%ZZ/",
        "/2026/08/..%2F..%2Fetc/",
        "/static/x.js",
        # Digits of other scripts are not a date: Python's \\d and isdigit() take them.
        "/\u0662\u0660\u0662\u0666/",
        "/2026/\u0660\u0669/",
    ],
)
def test_unknown_paths_get_the_404_page(client: Client, path: str) -> None:
    status, html = get(client, path)
    assert status == 404
    assert "<h1>Not found</h1>" in html and elements(html, "form", role="search")


def test_pagination_links_carry_rel(client: Client, publish: Publish) -> None:
    for day in range(1, 13):
        publish(f"posts/p{day}.md", make_post_markdown(f"P{day}", f"2026-03-{day:02d}"))
    _, first = get(client, "/")
    assert len(elements(first, "article")) == 10
    [older] = elements(first, "a", rel="next")
    assert not elements(first, "a", rel="prev")

    _, second = get(client, older["href"])
    assert [a["href"] for a in elements(second, "a") if "Older" in a.get("href", "")] == []
    assert len(elements(second, "article")) == 2
    [newer] = elements(second, "a", rel="prev")
    _, back = get(client, newer["href"])
    assert elements(back, "a", rel="next") == elements(first, "a", rel="next")


def test_delete_event_removes_post_everywhere(client: Client, publish: Publish, s3: Any) -> None:
    publish("posts/a.md", make_post_markdown("Doomed", "2026-08-11", ["t"], ["c"]))
    publish("posts/b.md", make_post_markdown("Stays", "2026-08-12"))
    s3.delete_object(Bucket=BUCKET_NAME, Key="posts/a.md")
    event = client.events.generate_s3_event(BUCKET_NAME, "posts/a.md", "ObjectRemoved:Delete")
    client.lambda_.invoke("on_post_source_changed", event)

    assert get(client, "/2026/08/a/")[0] == 404
    assert get(client, "/tag/t/")[0] == 404
    _, home = get(client, "/")
    assert "Doomed" not in home and "Stays" in home
    assert "/category/c/" not in home and "/tag/t/" not in home
    assert elements(home, "a", href="/2026/08/12/") and not elements(home, "a", href="/2026/08/11/")


@pytest.mark.usefixtures("blog")
def test_every_link_resolves_at_domain_root(client: Client) -> None:
    for page in ("/", "/2026/09/two/", "/tag/aws/"):
        _, html = get(client, page)
        for link in links(html):
            assert link.startswith("/"), link
            assert client.http.get(link).status_code == 200, (page, link)


@pytest.mark.usefixtures("blog")
def test_stylesheet_is_served_and_cached(client: Client) -> None:
    _, html = get(client, "/")
    [sheet] = elements(html, "link", rel="stylesheet")
    response = client.http.get(sheet["href"])
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/css")
    assert b".calendar" in response.body and b".highlight" in response.body


def test_titles_and_terms_are_escaped(client: Client, publish: Publish) -> None:
    publish(
        "posts/x.md",
        "---\ntitle: '<script>alert(1)</script>'\ntags: ['<b>t</b>']\n"
        "summary: '<img src=x onerror=alert(1)>'\ndate: 2026-08-11\n---\nbody\n",
    )
    for path in ("/", "/2026/08/x/"):
        _, html = get(client, path)
        assert "<script>alert(1)" not in html and "<img src=x" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


@pytest.mark.parametrize("path", ["/2026/08/" + "s" * 401 + "/", "/tag/" + "t" * 401 + "/"])
def test_oversized_path_parameters_never_reach_dynamodb(client: Client, path: str) -> None:
    keyed_reads: list[str] = []
    events = aws.dynamodb_client().meta.events

    def record(params: dict[str, Any], **_: Any) -> None:
        keyed_reads.append(str(params.get("Key") or params.get("ExpressionAttributeValues")))

    events.register("before-call.dynamodb.GetItem", record)
    events.register("before-call.dynamodb.Query", record)
    try:
        assert get(client, path)[0] == 404
    finally:
        events.unregister("before-call.dynamodb.GetItem", record)
        events.unregister("before-call.dynamodb.Query", record)
    assert not any("s" * 401 in read or "t" * 401 in read for read in keyed_reads)


@pytest.mark.usefixtures("blog")
@pytest.mark.parametrize(
    "path", ["/", "/2026/09/two/", "/tag/aws/", "/2026/", "/nope", "/static/style.css"]
)
def test_security_headers_on_every_response(client: Client, path: str) -> None:
    headers = client.http.get(path).headers
    assert headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert "script-src" not in headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


@pytest.mark.parametrize("value", ["\u00b2", "\u0662", "12\u00b2"])
def test_an_old_query_with_other_digits_is_the_home_page(client: Client, value: str) -> None:
    status, html = get(client, f"/?p={quote(value)}")
    assert status == 200 and "<h1" in html
