"""Site search through the handlers, on the sample blog, with its DynamoDB request bound."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from chalice.test import Client

from tests.helpers.events import deliver
from tests.helpers.local import BUCKET_NAME, PROJECT_DIR
from tests.helpers.pages import elements
from tests.helpers.posts import make_post_markdown

SAMPLES = sorted((PROJECT_DIR / "sample_content" / "posts").glob("*.md"))
# The layout (1, with the post total) + one Query per term (at most 5) + one BatchGetItem.
REQUEST_BOUND = 7
Publish = Callable[[str, str | bytes], None]


@pytest.fixture(scope="module")
def sample_blog(shared_blog: Publish) -> None:
    for path in SAMPLES:
        shared_blog(f"posts/{path.name}", path.read_bytes())


def result_titles(client: Client, query: str) -> list[str]:
    html = (
        client.http.get(
            "/search",
            headers={},
        ).body.decode()
        if not query
        else ""
    )
    response = client.http.get("/search?" + query)
    html = response.body.decode()
    main = html.split('<main id="content"', 1)[1].split("</main>", 1)[0]
    return [
        part.split(">", 1)[1].split("<", 1)[0]
        for part in main.split('<h2 class="entry-title"><a ')[1:]
    ]


def test_title_matches_rank_above_body_matches(client: Client, publish: Publish) -> None:
    body = "A long walk through the savanna. " * 20 + "We saw a zebra at the end."
    publish("posts/body.md", make_post_markdown("Savanna walk", "2026-10-01", body=body))
    publish("posts/title.md", make_post_markdown("The zebra", "2026-09-01", body="Stripes."))
    assert result_titles(client, "q=zebra") == ["The zebra", "Savanna walk"]


@pytest.mark.usefixtures("sample_blog")
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("q=%E6%9D%B1%E4%BA%AC", "東京の秋"),
        ("q=%EC%84%9C%EC%9A%B8", "서울 산책"),
        ("q=METRO", "November reading list"),
        ("q=sanitiser", "Trusting nobody&#39;s HTML"),
    ],
)
def test_any_script_accents_and_case(client: Client, query: str, expected: str) -> None:
    assert expected in result_titles(client, query)


def test_japanese_phrase_without_spaces_is_found(client: Client, publish: Publish) -> None:
    publish(
        "posts/jp.md",
        make_post_markdown("日米の防衛協力について", "2026-10-01", body="防衛協力の新しい枠組み。"),
    )
    publish("posts/other.md", make_post_markdown("Other", "2026-10-02", body="Nothing related."))
    assert result_titles(client, "q=防衛協力") == ["日米の防衛協力について"]


@pytest.mark.usefixtures("sample_blog")
def test_query_costs_a_bounded_number_of_requests(client: Client, requests_made: list[str]) -> None:
    client.http.get("/search?q=aws+lambda+dynamodb+python+blog+extra+words")
    assert len(requests_made) <= REQUEST_BOUND
    assert "Scan" not in requests_made
    assert requests_made.count("BatchGetItem") == 1


def test_update_replaces_terms_and_delete_removes_them(
    client: Client, publish: Publish, s3: Any
) -> None:
    publish("posts/a.md", make_post_markdown("Zeppelin", "2026-10-01", body="Airships float."))
    assert result_titles(client, "q=airships") == ["Zeppelin"]
    publish("posts/a.md", make_post_markdown("Zeppelin", "2026-10-01", body="Balloons rise."))
    assert result_titles(client, "q=airships") == []
    assert result_titles(client, "q=balloons") == ["Zeppelin"]
    s3.delete_object(Bucket=BUCKET_NAME, Key="posts/a.md")
    deliver(client, "posts/a.md", "ObjectRemoved:Delete")
    assert result_titles(client, "q=balloons") == [] and result_titles(client, "q=zeppelin") == []


@pytest.mark.usefixtures("sample_blog")
@pytest.mark.parametrize(
    "query",
    [
        "",
        "q=",
        "q=%3Cscript%3Ealert(1)%3C%2Fscript%3E",
        "q=" + "a" * 5000,
        "q=%00%ff",
        "page=99&q=aws",
    ],
)
def test_empty_hostile_and_overlong_queries_get_a_normal_page(client: Client, query: str) -> None:
    response = client.http.get("/search?" + query)
    assert response.status_code == 200
    html = response.body.decode()
    assert "<script>alert(1)" not in html
    assert 'name="q"' in html


@pytest.mark.usefixtures("sample_blog")
def test_results_mark_the_query_and_echo_it_safely(client: Client) -> None:
    html = client.http.get("/search?q=%22%3E%3Cb%3Elambda").body.decode()
    assert "&#34;&gt;&lt;b&gt;lambda" in html or "&quot;&gt;&lt;b&gt;lambda" in html
    html = client.http.get("/search?q=lambda").body.decode()
    assert "<mark>" in html and elements(html, "input", name="q", value="lambda")
