"""Slugged and nested categories through the pipeline, and old URL patterns over HTTP."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chalice.test import Client

Publish = Callable[[str, str], None]


def post(title: str, date: str, front: str) -> str:
    return f"---\ntitle: {title}\ndate: {date}\n{front}---\nBody of {title}.\n"


def widget(client: Client) -> str:
    html = client.http.get("/").body.decode()
    section = html.split('<section class="widget widget-categories">', 1)[1]
    return "".join(section.split("</section>", 1)[0].split())


def entry(key: str, name: str, count: int) -> str:
    return f'<li><ahref="/category/{key}/">{name}</a><spanclass="count">({count})</span>'


def location(client: Client, path: str) -> tuple[int, str]:
    response = client.http.get(path)
    return response.status_code, response.headers.get("Location", "")


def test_slugged_and_nested_categories_keep_their_addresses_and_nest_in_the_sidebar(
    client: Client, publish: Publish
) -> None:
    code = "{name: Code, slug: code}"
    python = "{name: Python, slug: python, parent: code}"
    publish("posts/a.md", post("A", "2019-03-15", f"categories: [{code}, {python}]\n"))
    publish(
        "posts/b.md",
        post("B", "2019-03-16", f"categories: [{python}]\ntags: [{{name: C++, slug: cpp}}]\n"),
    )
    publish("posts/c.md", post("C", "2019-03-17", "categories: [Misc]\n"))
    assert widget(client) == (
        "<h2>Categories</h2><ul>"
        + entry("code", "Code", 1)
        + '<ulclass="children">'
        + entry("python", "Python", 2)
        + "</li></ul></li>"
        + entry("misc", "Misc", 1)
        + "</li></ul>"
    )
    tag_page = client.http.get("/tag/cpp/")
    assert tag_page.status_code == 200 and "Tag: C++" in tag_page.body.decode()
    assert "Category: Python" in client.http.get("/category/python/").body.decode()
    assert client.http.get("/tag/c++/").status_code == 404
    # WordPress's address of the child category, its feed and its pages.
    assert location(client, "/category/code/python/") == (301, "/category/python/")
    assert location(client, "/category/code/python/feed/") == (301, "/category/python/feed/")
    assert location(client, "/category/code/python/page/2/") == (301, "/category/python/")


def test_a_parent_stated_by_a_later_edit_or_another_post_lands(
    client: Client, publish: Publish
) -> None:
    publish("posts/a.md", post("A", "2019-03-15", "categories: [Code, Python]\n"))
    assert '<ulclass="children">' not in widget(client)
    # The same post now states the parent: its membership is unchanged, the parent lands.
    publish(
        "posts/a.md", post("A", "2019-03-15", "categories: [Code, {name: Python, parent: code}]\n")
    )
    assert widget(client).count('<ulclass="children">') == 1
    # A post naming the category without a parent leaves the parent be; "" moves it up.
    publish("posts/b.md", post("B", "2019-03-16", "categories: [python]\n"))
    assert widget(client).count('<ulclass="children">') == 1
    assert entry("python", "python", 2) in widget(client)  # the last spelling published
    publish("posts/c.md", post("C", "2019-03-17", "categories: [{name: Python, parent: ''}]\n"))
    assert '<ulclass="children">' not in widget(client)


def test_categories_naming_each_other_as_parents_still_show(
    client: Client, publish: Publish
) -> None:
    front = "categories: [{name: A, parent: b}, {name: B, parent: a}]\n"
    publish("posts/a.md", post("A", "2019-03-15", front))
    assert widget(client) == (
        "<h2>Categories</h2><ul>"
        + entry("a", "A", 1)
        + '<ulclass="children">'
        + entry("b", "B", 1)
        + "</li></ul></li></ul>"
    )


def test_an_unsafe_slug_is_reported(client: Client, publish: Publish, s3: Any) -> None:
    from tests.helpers.local import BUCKET_NAME

    publish("posts/bad.md", post("Bad", "2019-03-15", "tags: [{name: X, slug: 'a/b'}]\n"))
    report = s3.get_object(Bucket=BUCKET_NAME, Key="errors/posts/bad.md.json")["Body"].read()
    assert b"cannot hold / or" in report


def test_old_url_patterns_redirect_with_at_most_one_read(
    client: Client, publish: Publish, requests_made: list[str]
) -> None:
    aliases = "aliases: ['/2019/03/15/hello/', '/hello/']\n"
    publish("posts/hello.md", post("Hello", "2019-03-15", f"tags: [Go]\n{aliases}"))
    new = "/2019/03/hello/"
    requests_made.clear()
    assert location(client, "/category/a/b/") == (301, "/category/b/")
    assert location(client, "/category/a/b/c/") == (301, "/category/c/")
    assert requests_made == []  # their own routes: no read at all
    for path, target in [
        ("/?feed=rss2", "/feed/"),
        ("/?feed=atom", "/feed/atom/"),
        ("/?tag=go", "/tag/go/"),
        ("/comments/feed/", "/feed/"),
        ("/page/2/", "/"),
        ("/feed.xml", "/feed/"),
        ("/index.xml", "/feed/"),
        ("/tags/go/", "/tag/go/"),
        ("/tags/go/index.xml", "/tag/go/feed/"),
        ("/categories/code/", "/category/code/"),
        ("/posts/", "/"),
        ("/2019/03/15/hello/feed/", new),
        ("/hello/feed/", new),
        ("/2019/03/hello/feed/", new),
    ]:
        requests_made.clear()
        assert location(client, path) == (301, target), path
        # At most the read of the page the path might have been, then one GetItem.
        assert "Scan" not in requests_made and requests_made.count("GetItem") <= 1, path
        assert len(requests_made) <= 2, (path, requests_made)
    assert location(client, "/2019/03/15/gone/feed/") == (404, "")
    assert location(client, "/?cat=3")[0] == 200  # ids are not kept: the home page
    assert location(client, "/?feed=nonsense")[0] == 200
    assert client.http.get("/feed/").status_code == 200
