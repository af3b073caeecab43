"""DynamoDB round trips per page view and per publish: fixed, whatever the blog's size."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from chalice.test import Client

from bench.probe import DynamoProbe, Usage
from chalicelib import aws
from tests.helpers.posts import make_post_markdown

Publish = Callable[[str, str | bytes], None]
TAGS = ["aws", "python", "lambda", "dynamodb", "cooking"]
# Requests for one view of each page type (#5): a post or static page is one BatchGetItem
# (post or page, layout, the month's calendar days); a listing is its Query plus the
# layout; search adds one Query per term and a BatchGetItem of the results.
EXPECTED = {
    "/2026/03/post-10/": ["BatchGetItem"],
    "/": ["Query", "GetItem"],
    "/tag/python/": ["Query", "GetItem"],
    "/category/notes/": ["Query", "GetItem"],
    "/2026/03/": ["Query", "BatchGetItem"],
    "/2026/": ["Query", "BatchGetItem"],
    "/2026/03/12/": ["Query", "BatchGetItem"],
    "/about/": ["BatchGetItem"],
    "/feed/": ["Query"],
    "/search?q=walrus": ["GetItem", "Query", "BatchGetItem"],
    "/search?q=walrus+tusk": ["GetItem", "Query", "Query", "BatchGetItem"],
}


@pytest.fixture
def probe(client: Client) -> DynamoProbe:
    return DynamoProbe(aws.dynamodb_client())


def publish_posts(publish: Publish, first: int, count: int) -> None:
    for n in range(first, first + count):
        day = date(2026, 1, 1) + timedelta(days=n * 7 % 120)
        tags = [TAGS[n % 5], TAGS[(n + 1) % 5]]
        body = "The walrus has a tusk." if n % 3 == 0 else "Plain words."
        text = make_post_markdown(f"Post {n}", day.isoformat(), tags, ["notes"], body)
        publish(f"posts/post-{n}.md", text)


def page_requests(client: Client, probe: DynamoProbe) -> dict[str, list[str]]:
    seen = {}
    for path in EXPECTED:
        usage = probe.measure()
        response = client.http.get(path)
        assert response.status_code == 200, path
        seen[path] = sorted(usage.requests)
    return seen


@pytest.mark.slow
def test_each_page_type_costs_its_fixed_round_trips_at_any_size(
    client: Client, publish: Publish, probe: DynamoProbe
) -> None:
    publish("pages/about.md", "---\ntitle: About\n---\nAbout this blog.\n")
    publish_posts(publish, 0, 12)
    small = page_requests(client, probe)
    publish_posts(publish, 12, 30)
    large = page_requests(client, probe)
    assert small == large == {path: sorted(ops) for path, ops in EXPECTED.items()}


@pytest.mark.slow
def test_publishing_costs_the_same_requests_and_items_at_any_size(
    client: Client, publish: Publish, probe: DynamoProbe
) -> None:
    def publish_new(name: str) -> Usage:
        text = make_post_markdown(name, "2026-02-20 10:00", ["aws", "python"], ["notes"], "Same.")
        usage = probe.measure()
        publish(f"posts/{name}.md", text)
        probe.measure()  # later requests go to a fresh tally
        return usage

    publish_posts(publish, 0, 10)
    small = publish_new("new-a")
    publish_posts(publish, 10, 30)
    large = publish_new("new-b")
    assert sorted(small.requests) == sorted(large.requests)
    assert small.items_written == large.items_written
    assert "Scan" not in small.requests + large.requests


def test_no_page_ever_scans(client: Client, publish: Publish, probe: DynamoProbe) -> None:
    publish_posts(publish, 0, 6)
    usage = probe.measure()
    for path in [*EXPECTED, "/no/such/page/", "/tag/none/", "/sitemap.xml", "/2030/01/"]:
        client.http.get(path)
    assert usage.requests and "Scan" not in usage.requests
