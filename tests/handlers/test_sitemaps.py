"""The sitemap is an index of small sitemaps, each read with one request."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from chalice.test import Client

from chalicelib import aws
from tests.helpers.posts import make_post_markdown
from tests.helpers.sitemaps import SCHEMA, sitemap_files, sitemap_locations

Publish = Callable[[str, str], None]


@pytest.fixture
def dynamodb_calls(client: Client) -> Iterator[list[str]]:
    """Record the DynamoDB operations the app's client sends (botocore's event hooks)."""
    calls: list[str] = []
    events = aws.dynamodb_client().meta.events

    def record(model: Any, **_: Any) -> None:
        calls.append(model.name)

    events.register("after-call.dynamodb", record, unique_id="sitemap-test")
    yield calls
    events.unregister("after-call.dynamodb", unique_id="sitemap-test")


@pytest.fixture(scope="module")
def blog(shared_blog: Publish) -> None:
    for month in ("2026-06", "2026-07", "2026-08"):
        for day in ("01", "02"):
            name = f"p{month}-{day}"
            shared_blog(f"posts/{name}.md", make_post_markdown(name, f"{month}-{day}", ["t"]))


@pytest.mark.usefixtures("blog")
def test_one_request_per_sitemap_file(client: Client, dynamodb_calls: list[str]) -> None:
    files = sitemap_files(client)
    assert sorted(files) == [
        "/sitemap.xml",
        "/sitemaps/2026-06.xml",
        "/sitemaps/2026-07.xml",
        "/sitemaps/2026-08.xml",
        "/sitemaps/site.xml",
    ]
    for path in ("/sitemap.xml", "/sitemaps/2026-07.xml"):
        dynamodb_calls.clear()
        client.http.get(path)
        assert len(dynamodb_calls) == 1, (path, dynamodb_calls)
    july = [u["loc"] for u in SCHEMA.to_dict(files["/sitemaps/2026-07.xml"])["url"]]
    assert [loc.rsplit("/", 2)[1] for loc in july] == ["p2026-07-02", "p2026-07-01"]
    locations = sitemap_locations(client)
    assert sum("/2026/" in loc for loc in locations) == 6


@pytest.mark.usefixtures("blog")
@pytest.mark.parametrize("path", ["/sitemap.xml", "/sitemaps/2026-07.xml"])
def test_query_strings_are_sent_to_the_one_url(
    client: Client, dynamodb_calls: list[str], path: str
) -> None:
    dynamodb_calls.clear()
    response = client.http.get(f"{path}?nocache=123")
    assert response.status_code == 302 and response.headers["Location"] == path
    assert dynamodb_calls == []


@pytest.mark.parametrize("name", ["2026-13.xml", "2026-05.xml", "site", "x.xml", "2026-07"])
def test_unknown_sitemaps_are_404(client: Client, publish: Publish, name: str) -> None:
    publish("posts/a.md", make_post_markdown("A", "2026-07-01"))
    assert client.http.get(f"/sitemaps/{name}").status_code == 404
