"""No path, query string or header makes any route answer 5xx (hypothesis)."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote, urlencode

import pytest
from chalice.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib.site.http import SECURITY_HEADERS
from tests.helpers.posts import make_post_markdown

EXAMPLES = 400
segment = st.one_of(
    st.sampled_from(["2026", "08", "8", "00", "99", "tag", "category", "static", "style.css", "x"]),
    st.text(max_size=30),
    st.text(alphabet="0123456789", min_size=1, max_size=6),
    st.text(min_size=300, max_size=1200),
).map(lambda s: quote(s, safe=""))
paths = st.lists(segment, max_size=6).map(lambda parts: "/" + "/".join(parts))
queries = st.dictionaries(
    st.sampled_from(["before", "after", "q", "page", ""]) | st.text(max_size=10),
    st.text(max_size=80)
    | st.sampled_from(
        ["2026-08-11T20:40:00#2026/08/one", "2026-08-11T20:40:00#2026/08/" + "a" * 100]
    ),
    max_size=3,
)
header_text = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=60)
headers = st.fixed_dictionaries(
    {},
    optional={
        "Host": header_text | st.just("x.execute-api.us-east-1.amazonaws.com"),
        "Accept": header_text,
        "If-None-Match": header_text,
        "Cookie": header_text,
        "X-Forwarded-For": header_text,
    },
)


@pytest.fixture
def fuzz_blog(publish: Callable[[str, str], None]) -> None:
    publish("posts/one.md", make_post_markdown("One", "2026-08-11T20:40", ["a"], ["c"]))


@pytest.mark.slow
@pytest.mark.usefixtures("fuzz_blog")
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(path=paths, query=queries, request_headers=headers)
def test_no_request_gets_a_server_error(
    client: Client, path: str, query: dict[str, str], request_headers: dict[str, str]
) -> None:
    url = f"{path}?{urlencode(query)}" if query else path
    response = client.http.get(url, headers=request_headers)
    assert response.status_code < 500, (url, response.body[:300])
    if response.status_code in (200, 404):
        assert response.headers["Content-Security-Policy"].startswith("default-src 'none';")
        for name, value in SECURITY_HEADERS.items():
            assert response.headers[name] == value
