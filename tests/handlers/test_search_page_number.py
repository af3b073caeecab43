"""The search page's number comes from the query string: anything odd means page 1."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from chalice.test import Client

from tests.helpers.posts import make_post_markdown


@pytest.mark.parametrize("page", ["²", "①", "٣", "1²", "-1", "0", "99999", ""])
def test_odd_page_numbers_show_the_first_page(
    client: Client, publish: Callable[[str, str], None], page: str
) -> None:
    publish("posts/one.md", make_post_markdown("Clouds", "2026-08-11"))
    response = client.http.get(f"/search?q=clouds&page={page}")
    assert response.status_code == 200, page
    assert "Clouds" in response.body.decode()
