"""Request headers cannot put a host into cached output, nor drop the stage prefix."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from chalice.test import Client

from tests.helpers.gateway import API_HOST, api_gateway_get
from tests.helpers.pages import elements, links
from tests.helpers.posts import make_post_markdown

Publish = Callable[[str, str], None]
Configure = Callable[..., None]
OUTPUTS = ["/", "/2026/08/one/", "/tag/aws/", "/feed/", "/feed/atom/", "/tag/aws/feed/"]
OUTPUTS += ["/sitemap.xml", "/robots.txt", "/nope/"]
FORGED = {"Host": "evil.example", "X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "http"}


@pytest.fixture(scope="module")
def blog(shared_blog: Publish) -> None:
    shared_blog("posts/one.md", make_post_markdown("One", "2026-08-11", ["AWS"], ["Eng"]))


@pytest.mark.usefixtures("blog")
@pytest.mark.parametrize(
    "settings",
    [
        {},
        {"allowed_hosts": frozenset({"blog.example.org"})},
        {"allowed_hosts": frozenset({"blog.example.org"}), "trust_forwarded_headers": True},
        {"site_url": "https://blog.example.org", "trust_forwarded_headers": True},
    ],
)
def test_a_forged_host_appears_in_no_output(
    client: Client, configure: Configure, settings: dict[str, object]
) -> None:
    configure(**settings)
    for path in OUTPUTS:
        body = client.http.get(path, headers=FORGED).body.decode()
        assert "evil" not in body, path
        gateway = api_gateway_get(f"/api{path}", headers={"X-Forwarded-Host": "evil.example"})
        assert "evil" not in gateway["body"], path


@pytest.mark.usefixtures("blog")
def test_site_url_names_every_absolute_url(client: Client, configure: Configure) -> None:
    configure(site_url="https://blog.example.org")
    html = client.http.get("/2026/08/one/", headers=FORGED).body.decode()
    [canonical] = elements(html, "link", rel="canonical")
    assert canonical["href"] == "https://blog.example.org/2026/08/one/"
    robots = client.http.get("/robots.txt", headers=FORGED).body.decode()
    assert "Sitemap: https://blog.example.org/sitemap.xml" in robots
    feed = client.http.get("/feed/atom/", headers=FORGED).body.decode()
    assert "<id>https://blog.example.org/2026/08/one/</id>" in feed


@pytest.mark.usefixtures("blog")
def test_on_the_execute_api_host_links_keep_the_stage(configure: Configure) -> None:
    configure(allowed_hosts=frozenset({"blog.example.org"}))
    response = api_gateway_get(
        "/api/2026/08/one/", headers={"X-Forwarded-Host": "blog.example.org"}
    )
    assert response["statusCode"] == 200
    for link in links(response["body"]):
        assert link.startswith("/api/"), link
    [canonical] = elements(response["body"], "link", rel="canonical")
    assert canonical["href"] == f"https://{API_HOST}/api/2026/08/one/"


@pytest.mark.usefixtures("blog")
def test_a_trusted_proxy_names_the_public_host(configure: Configure) -> None:
    configure(allowed_hosts=frozenset({"blog.example.org"}), trust_forwarded_headers=True)
    proxied = {"X-Forwarded-Host": "blog.example.org", "X-Forwarded-Proto": "https"}
    response = api_gateway_get("/api/2026/08/one/", headers=proxied)
    assert response["statusCode"] == 200
    assert all(not link.startswith("/api/") for link in links(response["body"]))
    [canonical] = elements(response["body"], "link", rel="canonical")
    assert canonical["href"] == "https://blog.example.org/2026/08/one/"
