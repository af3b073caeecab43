"""Private previews: a draft's page at an unguessable address, and nowhere else."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from typing import Any

import pytest
from chalice.test import Client

from chalicelib.storage.store import BlogStore
from tests.helpers.posts import make_post_markdown

Publish = Callable[[str, str], None]
PUBLIC = make_post_markdown("Kite festival", "2026-05-01T09:00:00Z", ["kites"], body="Public.")
DRAFT_FRONT = "---\ntitle: Secret zeppelin\ndate: 2026-05-02T09:00:00Z\ntags: [kites]\n"
DRAFT_BODY = "---\nThe **zeppelin** rises.\n\n<!--nextpage-->\n\nSecond page of it.\n"
DRAFT = DRAFT_FRONT + "draft: true\n" + DRAFT_BODY
FINAL = DRAFT_FRONT + DRAFT_BODY


def text(response: Any) -> str:
    body = response.body
    return body.decode() if isinstance(body, bytes) else str(body)


def main_column(html: str) -> str:
    """Return what the page shows in its content column."""
    return html.split('<main id="content"', 1)[1].split("</main>", 1)[0]


@pytest.fixture
def drafted(client: Client, publish: Publish, store: BlogStore) -> str:
    """Publish a post and a draft sharing its tag; return the draft's preview token."""
    publish("posts/kites.md", PUBLIC)
    publish("posts/zeppelin.md", DRAFT)
    token = store.previews.token("posts/zeppelin.md")
    assert token is not None
    return token


def test_a_draft_is_shown_privately_at_its_link(client: Client, drafted: str) -> None:
    for path in (f"/preview/{drafted}/", f"/preview/{drafted}"):
        response = client.http.get(path)
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "private, no-store"
        assert response.headers["X-Robots-Tag"] == "noindex"
        assert response.headers["Referrer-Policy"] == "no-referrer"  # the token stays here
        html = text(response)
        assert '<meta name="robots" content="noindex">' in html
        assert 'rel="canonical"' not in html and 'property="og:url"' not in html
        assert "<strong>zeppelin</strong> rises" in html
        assert "Second page of it.</p>" not in html
        assert 'href="/2026/05/kites/">Kite festival</a>' in html  # its related posts
        assert f'href="/preview/{drafted}/2/">2</a>' in html
    second = client.http.get(f"/preview/{drafted}/2/")
    assert second.status_code == 200 and "Second page of it." in text(second)
    assert second.headers["Cache-Control"] == "private, no-store"


def test_a_draft_appears_on_no_public_page(client: Client, store: BlogStore, drafted: str) -> None:
    paths = ["/", "/feed/", "/feed/atom/", "/tag/kites/", "/2026/", "/2026/05/", "/2026/05/01/"]
    paths += ["/search?q=zeppelin", "/sitemap.xml", "/sitemaps/2026-05.xml", "/sitemaps/site.xml"]
    paths += ["/2026/05/kites/"]  # no previous/next or related link to it
    for path in paths:
        response = client.http.get(path)
        assert response.status_code == 200, path
        assert "secret zeppelin" not in text(response).lower(), path
        assert "rises" not in text(response), path
        assert drafted not in text(response), path
    assert client.http.get("/2026/05/zeppelin/").status_code == 404
    assert store.reads.get_layout().total_posts == 1  # counted nowhere


def test_the_preview_looks_as_the_post_will(client: Client, publish: Publish, drafted: str) -> None:
    preview = main_column(text(client.http.get(f"/preview/{drafted}/")))

    publish("posts/zeppelin.md", FINAL)

    public = main_column(text(client.http.get("/2026/05/zeppelin/")))
    # The same article; only its pages' links differ, and the neighbours it now has.
    own_links = f"/preview/{drafted}/"
    assert (
        preview.split('<nav class="post-nav"')[0].replace(own_links, "/2026/05/zeppelin/")
        == (public.split('<nav class="post-nav"')[0])
    )
    assert preview.split("</nav>")[-1] == public.split("</nav>")[-1]  # related posts


def not_found_body(client: Client) -> str:
    response = client.http.get("/no-such-page/")
    assert response.status_code == 404
    return text(response)


def test_wrong_tokens_get_the_sites_404(
    client: Client, drafted: str, requests_made: list[str]
) -> None:
    expected = not_found_body(client)
    flipped = drafted[:-1] + ("A" if drafted[-1] != "A" else "B")
    wrong = ["x", "..", "%2e%2e", flipped, drafted.upper(), drafted + "x", "a" * 500, "<b>"]
    wrong += [f"{drafted}/1", f"{drafted}/02", f"{drafted}/3", f"{drafted}/x"]
    for token in wrong:
        requests_made.clear()
        response = client.http.get(f"/preview/{token}/")
        assert (response.status_code, text(response)) == (404, expected), token
        assert requests_made == ["BatchGetItem"], token
        assert "Cache-Control" not in response.headers or "public" not in str(
            response.headers["Cache-Control"]
        )
    requests_made.clear()
    assert client.http.get(f"/preview/{drafted}/").status_code == 200
    assert requests_made == ["BatchGetItem"]


def test_guessing_tokens_gets_nowhere(client: Client, drafted: str) -> None:
    expected = not_found_body(client)
    guesses = [secrets.token_urlsafe(32) for _ in range(60)]
    answers = [client.http.get(f"/preview/{guess}/") for guess in guesses]
    assert {(r.status_code, text(r)) for r in answers} == {(404, expected)}


def test_revoked_and_published_links_answer_404(
    client: Client, publish: Publish, store: BlogStore, drafted: str
) -> None:
    expected = not_found_body(client)
    renewed = store.previews.revoke("posts/zeppelin.md")
    assert renewed is not None and renewed != drafted
    revoked = client.http.get(f"/preview/{drafted}/")
    assert (revoked.status_code, text(revoked)) == (404, expected)
    assert client.http.get(f"/preview/{renewed}/").status_code == 200

    publish("posts/zeppelin.md", FINAL)

    response = client.http.get(f"/preview/{renewed}/")
    # The sidebar now lists the post: any 404 page shows that.
    assert (response.status_code, text(response)) == (404, not_found_body(client))
    assert store.previews.token("posts/zeppelin.md") is None


def test_a_draft_page_has_a_preview(client: Client, publish: Publish, store: BlogStore) -> None:
    publish("pages/colophon.md", "---\ntitle: Colophon\ndraft: true\n---\nSet in *Lato*.\n")
    token = store.previews.token("pages/colophon.md")
    assert token is not None
    response = client.http.get(f"/preview/{token}/")
    assert response.status_code == 200 and "<em>Lato</em>" in text(response)
    assert '<meta name="robots" content="noindex">' in text(response)
    assert client.http.get("/colophon/").status_code == 404
    assert "Colophon" not in text(client.http.get("/"))  # not in the menu
    assert re.search(r"/preview/[\w-]+/2/", text(response)) is None
    assert client.http.get(f"/preview/{token}/2/").status_code == 404
