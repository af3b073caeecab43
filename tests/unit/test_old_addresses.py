"""Old addresses: how aliases are read, and how a request's address is formed. Pure."""

from __future__ import annotations

import pytest

from chalicelib.publishing.parsing import MAX_ALIASES, ParseError, parse_aliases
from chalicelib.site.urls import old_path
from chalicelib.site.views import old_address


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("/2019/03/15/hello/", "/2019/03/15/hello/"),
        ("/2019/03/15/hello", "/2019/03/15/hello/"),
        ("/news/2019/03/post.html", "/news/2019/03/post.html"),
        ("/%E6%9D%B1%E4%BA%AC/", "/東京/"),
        ("/?p=12", "/?p=12"),
        ("/?page_id=007", "/?page_id=7"),
    ],
)
def test_aliases_are_stored_in_one_form(given: str, stored: str) -> None:
    assert parse_aliases([given]) == (stored,)


@pytest.mark.parametrize(
    "bad",
    [
        "https://elsewhere.example/x/",
        "//elsewhere.example/x/",
        "relative/path/",
        "/with space/",
        "/x/#fragment",
        "/?s=search",
        "/x/?p=1",
        "/" + "a" * 400,
    ],
)
def test_aliases_that_are_not_site_paths_are_refused(bad: str) -> None:
    with pytest.raises(ParseError):
        parse_aliases([bad])


def test_aliases_are_few_and_of_text() -> None:
    assert parse_aliases("/one/") == ("/one/",)
    assert parse_aliases(["/a/", "/a"]) == ("/a/",)
    with pytest.raises(ParseError):
        parse_aliases([f"/{n}/" for n in range(MAX_ALIASES + 1)])
    with pytest.raises(ParseError):
        parse_aliases({"path": "/a/"})


def test_a_request_is_looked_up_as_aliases_are_stored() -> None:
    route = "/{year}/{month}/{part}/{extra}"
    params = {"year": "2019", "month": "03", "part": "15", "extra": "hello"}
    assert old_address(route, params, {}) == "/2019/03/15/hello/"
    assert old_address("/{year}/{month}", {"year": "archives", "month": "12"}, {}) == (
        "/archives/12/"
    )
    assert old_address("/", {}, {"p": "12"}) == "/?p=12"
    assert old_address("/", {}, {"page_id": "3", "p": "x"}) == "/?page_id=3"
    assert old_address("/", {}, {"p": "12abc"}) == "/"
    assert old_path("/") == "/"
