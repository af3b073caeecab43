"""Static pages from pages/*.md: their own URLs, the main menu, never listed as posts."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from chalice.test import Client

from tests.helpers.events import deliver
from tests.helpers.local import BUCKET_NAME
from tests.helpers.pages import elements
from tests.helpers.posts import make_post_markdown
from tests.helpers.sitemaps import sitemap_locations

Publish = Callable[[str, str], None]


def menu(client: Client) -> list[tuple[str, str]]:
    html = client.http.get("/").body.decode()
    nav = html.split('<nav class="main-menu"', 1)[1].split("</nav>", 1)[0]
    return [
        (a["href"], part.split(">", 1)[1].split("<", 1)[0])
        for a, part in zip(elements(nav, "a"), nav.split("<a ")[1:], strict=True)
    ]


def page_text(publish_title: str, order: int, body: str = "Hello.") -> str:
    return f"---\ntitle: {publish_title}\nmenu_order: {order}\n---\n{body}\n"


def test_pages_form_the_main_menu_in_order(client: Client, publish: Publish) -> None:
    publish("posts/post.md", make_post_markdown("A post", "2026-05-01"))
    publish("pages/contact.md", page_text("Contact", 20))
    publish("pages/about.md", page_text("About us", 10, "We write about **clouds**."))
    assert menu(client) == [("/", "Home"), ("/about/", "About us"), ("/contact/", "Contact")]
    response = client.http.get("/about/")
    assert response.status_code == 200
    html = response.body.decode()
    assert '<h1 class="entry-title">About us</h1>' in html and "<strong>clouds</strong>" in html
    home = client.http.get("/").body.decode()
    assert "About us" not in home.split('<main id="content"', 1)[1].split("</main>", 1)[0]
    assert "About us" not in client.http.get("/feed/").body.decode()
    assert any(loc.endswith("/about/") for loc in sitemap_locations(client))


def test_reordering_renaming_and_deleting(client: Client, publish: Publish, s3: Any) -> None:
    publish("pages/about.md", page_text("About", 10))
    publish("pages/contact.md", page_text("Contact", 20))
    publish("pages/about.md", "---\ntitle: Who we are\nslug: who\nmenu_order: 30\n---\nHi.\n")
    assert menu(client) == [("/", "Home"), ("/contact/", "Contact"), ("/who/", "Who we are")]
    assert client.http.get("/about/").status_code == 404
    s3.delete_object(Bucket=BUCKET_NAME, Key="pages/contact.md")
    deliver(client, "pages/contact.md", "ObjectRemoved:Delete")
    assert client.http.get("/contact/").status_code == 404
    assert menu(client) == [("/", "Home"), ("/who/", "Who we are")]


def test_a_page_cannot_take_a_site_address(client: Client, publish: Publish, s3: Any) -> None:
    publish("pages/tag.md", page_text("Tags", 1))
    report = json.loads(
        s3.get_object(Bucket=BUCKET_NAME, Key="errors/pages/tag.md.json")["Body"].read()
    )
    assert "the site uses that address" in report["reason"]
    publish("pages/2026.md", page_text("Year", 1))
    assert client.http.get("/2026/").status_code == 404
    assert menu(client) == [("/", "Home")]


def test_draft_page_is_not_published(client: Client, publish: Publish) -> None:
    publish("pages/soon.md", "---\ntitle: Soon\ndraft: true\n---\nNot yet.\n")
    assert client.http.get("/soon/").status_code == 404


def nested(title: str, extra: str = "", body: str = "Hello.") -> str:
    return f"---\ntitle: {title}\n{extra}---\n{body}\n"


def location(client: Client, path: str) -> tuple[int, str]:
    response = client.http.get(path)
    return response.status_code, response.headers.get("Location", "")


def canonical(client: Client, path: str) -> str:
    html = client.http.get(path).body.decode()
    return html.split('<link rel="canonical" href="', 1)[1].split('"', 1)[0]


def test_nested_pages_are_served_at_their_paths_beside_dates_and_posts(
    client: Client, publish: Publish
) -> None:
    publish("posts/post.md", make_post_markdown("A post", "2026-05-01"))
    publish("pages/about.md", page_text("About", 10, "Parent."))
    publish("pages/team.md", nested("Team", "parent: about\nmenu_order: 5\n", "Child."))
    publish("pages/lead.md", nested("Lead", "parent: /about/team/\n", "Grandchild."))
    publish("pages/deep.md", nested("Deep", "slug: deep\nparent: about/team/lead\n", "Deepest."))
    for path, text in [
        ("/about/", "Parent."),
        ("/about/team/", "Child."),
        ("/about/team/lead/", "Grandchild."),
        ("/about/team/lead/deep/", "Deepest."),
    ]:
        response = client.http.get(path)
        assert response.status_code == 200, path
        assert f"<p>{text}</p>" in response.body.decode(), path
        assert canonical(client, path).endswith(path)
    # Only top-level pages are in the main menu; every page is in the sitemap.
    assert menu(client) == [("/", "Home"), ("/about/", "About")]
    assert {"/about/team/", "/about/team/lead/deep/"} <= {
        "/" + loc.split("/", 3)[3] for loc in sitemap_locations(client)
    }
    # A first part of four digits is still a date: archives and the post answer.
    assert client.http.get("/2026/").status_code == 200
    assert client.http.get("/2026/05/").status_code == 200
    assert client.http.get("/2026/05/01/").status_code == 200
    assert client.http.get("/2026/05/post/").status_code == 200
    assert client.http.get("/team/").status_code == 404
    assert client.http.get("/about/nobody/").status_code == 404
    assert client.http.get("/about%2Fteam/").status_code == 404
    assert client.http.get("/about/team/lead/deep/deeper/").status_code == 404


def test_a_page_too_deep_or_under_a_site_route_is_rejected(
    client: Client, publish: Publish, s3: Any
) -> None:
    publish("pages/x.md", nested("X", "parent: a/b/c/d\n"))
    publish("pages/y.md", nested("Y", "parent: author\n"))
    publish("pages/z.md", nested("Z", "parent: '2019'\n"))
    for name, reason in [("x", "nest at most 4"), ("y", "site uses"), ("z", "site uses")]:
        report = s3.get_object(Bucket=BUCKET_NAME, Key=f"errors/pages/{name}.md.json")
        assert reason in json.loads(report["Body"].read())["reason"], name
    assert client.http.get("/author/y/").status_code == 404


def test_nested_pages_in_any_script(client: Client, publish: Publish) -> None:
    publish("pages/greek.md", nested("Σχετικά", "slug: Σχετικά\n", "Γεια."))
    publish("pages/team.md", nested("Ομάδα", "slug: Ομάδα\nparent: Σχετικά\n", "Εμείς."))
    publish(
        "pages/tokyo.md", nested("東京", "slug: 東京\nparent: /σχετικά/ομάδα/\n", "こんにちは。")
    )
    greek = "/%CF%83%CF%87%CE%B5%CF%84%CE%B9%CE%BA%CE%AC/%CE%BF%CE%BC%CE%AC%CE%B4%CE%B1/"
    assert "<p>Εμείς.</p>" in client.http.get(greek).body.decode()
    tokyo = greek + "%E6%9D%B1%E4%BA%AC/"
    assert "<p>こんにちは。</p>" in client.http.get(tokyo).body.decode()
    assert canonical(client, tokyo).endswith(tokyo)
    assert menu(client) == [
        ("/", "Home"),
        ("/%CF%83%CF%87%CE%B5%CF%84%CE%B9%CE%BA%CE%AC/", "Σχετικά"),
    ]


def test_page_aliases_redirect_and_go_with_the_page(
    client: Client, publish: Publish, s3: Any
) -> None:
    old = ["/?page_id=7", "/old-team.html", "/company/team/", "/about/team/"]
    aliases = "".join(f"\n  - '{alias}'" for alias in old)
    publish("pages/team.md", nested("Team", f"parent: about\naliases:{aliases}\n"))
    for path in ["/?page_id=7", "/old-team.html", "/company/team", "/company/team/"]:
        assert location(client, path) == (301, "/about/team/"), path
    # Its own path is served, not redirected.
    assert client.http.get("/about/team/").status_code == 200
    # A post keeps what it claimed first; the page cannot take it.
    publish("posts/p.md", "---\ntitle: P\ndate: 2026-01-01\naliases: ['/mine/']\n---\nP.\n")
    publish("pages/team.md", nested("Team", "parent: about\naliases: ['/mine/', '/?page_id=7']\n"))
    assert location(client, "/mine/") == (301, "/2026/01/p/")
    assert location(client, "/old-team.html") == (404, "")  # dropped: released
    assert location(client, "/?page_id=7") == (301, "/about/team/")
    # Moved under another parent: its old addresses follow it.
    publish("pages/team.md", nested("Team", "parent: company\naliases: ['/?page_id=7']\n"))
    assert location(client, "/?page_id=7") == (301, "/company/team/")
    assert client.http.get("/about/team/").status_code == 404
    s3.delete_object(Bucket=BUCKET_NAME, Key="pages/team.md")
    deliver(client, "pages/team.md", "ObjectRemoved:Delete")
    assert client.http.get("/company/team/").status_code == 404
    assert location(client, "/?page_id=7") == (404, "")
    assert location(client, "/mine/") == (301, "/2026/01/p/")
    # A page made a draft releases its addresses too.
    publish("pages/t.md", nested("T", "aliases: ['/t-old/']\n"))
    assert location(client, "/t-old/") == (301, "/t/")
    publish("pages/t.md", nested("T", "draft: true\naliases: ['/t-old/']\n"))
    assert location(client, "/t-old/") == (404, "")
