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
