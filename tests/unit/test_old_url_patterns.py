"""Old blogs' URL patterns: the pure rewrite table (chalicelib/site/oldurls.py)."""

from __future__ import annotations

import pytest

from chalicelib.site.oldurls import Rewrite, query_address, rewrite
from chalicelib.site.views import old_address


@pytest.mark.parametrize(
    ("address", "target"),
    [
        # WordPress: nested categories, feeds, pagination.
        ("/category/parent/child/", "/category/child/"),
        ("/category/a/b/c/", "/category/c/"),
        ("/category/a/b/feed/", "/category/b/feed/"),
        ("/category/a/b/feed/atom/", "/category/b/feed/atom/"),
        ("/category/a/b/page/3/", "/category/b/"),
        ("/category/a/page/2/", "/category/a/"),
        ("/category/Parent/Child-01/", "/category/child-01/"),
        ("/tag/x/page/2/", "/tag/x/"),
        ("/tag/Go/", "/tag/go/"),  # keys are case-folded
        ("/tag/x/feed/rss2/", "/tag/x/feed/"),
        ("/feed/rss2/", "/feed/"),
        ("/feed/rdf/", "/feed/"),
        ("/comments/feed/", "/feed/"),
        ("/comments/feed/atom/", "/feed/"),
        ("/wp-rss2.php", "/feed/"),
        ("/wp-atom.php", "/feed/atom/"),
        ("/page/2/", "/"),
        ("/2019/page/2/", "/2019/"),
        ("/2019/03/page/2/", "/2019/03/"),
        ("/2019/03/15/feed/", "/2019/03/15/"),
        ("/author/jane/page/2/", "/author/jane/"),
        ("/author/jane/feed/", "/author/jane/"),
        ("/2019/03/hello/feed/", "/2019/03/hello/"),  # this blog's own permalink
        ("/?feed=rss2", "/feed/"),
        ("/?feed=atom", "/feed/atom/"),
        ("/?feed=comments-rss2", "/feed/"),
        ("/?tag=c++", "/tag/c%2B%2B/"),  # decoded: "+" was %2B, a space was "+"
        ("/?tag=Go", "/tag/go/"),
        # Hugo.
        ("/tags/go/", "/tag/go/"),
        ("/tags/Data Modelling/", "/tag/data-modelling/"),
        ("/categories/code/", "/category/code/"),
        ("/tags/go/index.xml", "/tag/go/feed/"),
        ("/tags/go/page/2/", "/tag/go/"),
        ("/categories/code/index.xml", "/category/code/feed/"),
        ("/index.xml", "/feed/"),
        ("/posts/index.xml", "/feed/"),
        ("/post/", "/"),
        ("/posts/", "/"),
        ("/posts/page/3/", "/"),
        ("/tags/", "/"),
        # Jekyll.
        ("/feed.xml", "/feed/"),
        ("/atom.xml", "/feed/atom/"),
        ("/blog/page/2/", "/"),
    ],
)
def test_patterns_lead_straight_to_their_new_address(address: str, target: str) -> None:
    assert rewrite(address) == Rewrite(target=target)


@pytest.mark.parametrize(
    ("address", "lookup"),
    [
        ("/2019/03/15/hello/feed/", "/2019/03/15/hello/"),
        ("/2019/03/15/hello/feed/atom/", "/2019/03/15/hello/"),
        ("/2019/03/15/hello/trackback/", "/2019/03/15/hello/"),
        ("/2019/03/15/hello/comment-page-2/", "/2019/03/15/hello/"),
        ("/hello-world/feed/", "/hello-world/"),
        ("/archives/12/feed/", "/archives/12/"),
    ],
)
def test_a_posts_feed_and_trackback_lead_where_the_post_does(address: str, lookup: str) -> None:
    assert rewrite(address) == Rewrite(lookup=lookup)


@pytest.mark.parametrize(
    "address",
    [
        "/",
        "/feed/",  # real addresses never lead to themselves
        "/category/x/",
        "/tag/x/",
        "/tag/c++/",  # decoded, as requests arrive: its own address, quoted
        "/category/東京/",
        "/2019/03/",
        "/2019/13/page/2/",
        "/2019/03/40/",
        "/hello-world/",
        "/2019/03/15/hello/",
        "/about/team/",
        "/?p=12",
        "/?tag=a,b",
        "/?tag=..",
        "/?cat=5",
        "/category/../",
        "/tags/../page/2/",
        "/page/x/",
        "/trackback/",
    ],
)
def test_other_addresses_are_no_pattern(address: str) -> None:
    assert rewrite(address) is None


@pytest.mark.parametrize(
    ("query", "address"),
    [
        ({"feed": "rss2"}, "/?feed=rss2"),
        ({"feed": "bogus"}, "/"),
        ({"tag": "go"}, "/?tag=go"),
        ({"tag": "a b"}, "/"),  # WordPress's ?tag=a+b: posts with both tags
        ({"tag": "a,b"}, "/"),
        ({"cat": "5"}, "/"),  # category ids are not kept
        ({"p": "12", "feed": "rss2"}, "/?p=12"),
        ({"before": "x"}, "/"),
    ],
)
def test_home_queries_old_blogs_used_are_looked_up(query: dict[str, str], address: str) -> None:
    assert old_address("/", {}, query) == address


@pytest.mark.parametrize(
    ("address", "lookup", "part"),
    [
        ("/2012/01/08/template-paginated/2/", "/2012/01/08/template-paginated/", 2),
        ("/template-paginated/12/", "/template-paginated/", 12),
        ("/archives/12/", "/archives/", 12),
    ],
)
def test_a_numbered_address_is_a_part_of_what_its_base_leads_to(
    address: str, lookup: str, part: int
) -> None:
    assert rewrite(address) == Rewrite(lookup=lookup, part=part)


@pytest.mark.parametrize("address", ["/hello/1/", "/hello/0/", "/2019/03/15/", "/a/12345678/"])
def test_first_parts_dates_and_long_numbers_are_not_parts(address: str) -> None:
    found = rewrite(address)
    assert found is None or found.part == 0


def test_a_wordpress_search_leads_to_the_search_page() -> None:
    assert rewrite("/?s=tea & cake") == Rewrite("/search?q=tea+%26+cake")
    assert query_address("s", "tea") == "/?s=tea"
    assert query_address("s", " tea") is None
    assert query_address("s", "x" * 201) is None
