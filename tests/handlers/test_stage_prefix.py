"""Links under the API Gateway stage prefix, with events shaped like API Gateway's."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urljoin

from chalice.test import Client

from tests.helpers.gateway import API_HOST, api_gateway_get
from tests.helpers.pages import elements, links
from tests.helpers.posts import make_post_markdown


def test_links_carry_the_stage_on_the_execute_api_host(
    client: Client, publish: Callable[[str, str], None]
) -> None:
    publish("posts/one.md", make_post_markdown("One", "2011-01-05", ["a b"], ["Cat"]))
    publish("posts/two.md", make_post_markdown("Two", "2011-01-07", ["a b"], ["Cat"]))
    checked = set()
    for page in ("/api/", "/api/2011/01/one/", "/api/tag/a-b/"):
        response = api_gateway_get(page)
        assert response["statusCode"] == 200
        for link in links(response["body"]):
            assert link.startswith("/api/"), (page, link)
            checked.add(link)
    for link in checked:
        assert api_gateway_get(link)["statusCode"] == 200, link
    assert "/api/2011/01/07/" in checked and "/api/category/cat/" in checked


def test_links_have_no_stage_behind_a_custom_domain(
    client: Client, publish: Callable[[str, str], None]
) -> None:
    publish("posts/one.md", make_post_markdown("One", "2011-01-05"))
    response = api_gateway_get("/2011/01/one/", host="blog.example.org")
    assert response["statusCode"] == 200
    for link in links(response["body"]):
        assert not link.startswith("/api/"), link
        assert api_gateway_get(link, host="blog.example.org")["statusCode"] == 200, link


def test_media_links_in_pages_and_posts_keep_the_stage(
    client: Client, publish: Callable[[str, str], None]
) -> None:
    body = "![pic](../media/pic.png) [doc](/media/doc.pdf)\n"
    publish("pages/about.md", f"---\ntitle: About\n---\n{body}")
    publish("posts/one.md", make_post_markdown("One", "2011-01-05", body=body))
    for page, host, root in (
        ("/api/about/", API_HOST, "/api/media/"),
        ("/api/2011/01/one/", API_HOST, "/api/media/"),
        ("/about/", "blog.example.org", "/media/"),
        ("/2011/01/one/", "blog.example.org", "/media/"),
    ):
        html = api_gateway_get(page, host=host)["body"]
        [img] = elements(html, "img")
        [doc] = [a for a in elements(html, "a") if a["href"].endswith("doc.pdf")]
        assert urljoin(page, img["src"]) == f"{root}pic.png", page
        assert urljoin(page, doc["href"]) == f"{root}doc.pdf", page
