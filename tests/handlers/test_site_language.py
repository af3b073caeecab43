"""SITE_LANGUAGE: every page, feed and publish-time fragment in the blog's language."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from chalice.test import Client

from chalicelib.i18n import parse_language
from tests.helpers.local import BUCKET_NAME, emulator_clients
from tests.helpers.posts import make_post_markdown

Publish = Callable[[str, str], None]
Configure = Callable[..., None]
COMMENTS = [
    {"id": "1", "author": "Ann", "date": "2026-08-16T09:00:00+00:00", "text": "Hi"},
    {"id": "2", "author": "", "date": "2026-08-17T09:00:00+00:00", "text": "Yo"},
]


@pytest.fixture(scope="module")
def blog(shared_blog: Publish) -> Iterator[None]:
    """Publish in Japanese: the layout and comments are rendered at publish time."""
    with pytest.MonkeyPatch.context() as env:
        env.setenv("SITE_LANGUAGE", "ja-JP")
        body = json.dumps(COMMENTS).encode()
        s3 = emulator_clients()["s3"]
        s3.put_object(Bucket=BUCKET_NAME, Key="posts/talk.comments.json", Body=body)
        shared_blog("posts/talk.md", make_post_markdown("Talk", "2026-08-15", ["aws"], ["notes"]))
        shared_blog("posts/old.md", make_post_markdown("Old", "2025-12-03", ["aws"], ["notes"]))
        shared_blog("posts/new.md", make_post_markdown("New", "2026-10-01", ["aws"], ["notes"]))
    yield


@pytest.fixture
def speak(configure: Configure) -> Callable[[str], None]:
    """Serve pages in a language, as SITE_LANGUAGE at start would."""
    return lambda tag: configure(language=parse_language(tag))


def page(client: Client, path: str) -> tuple[int, str]:
    response = client.http.get(path)
    return response.status_code, response.body.decode()


@pytest.mark.usefixtures("blog")
def test_japanese_post_page(client: Client, speak: Callable[[str], None]) -> None:
    speak("ja-JP")
    status, html = page(client, "/2026/08/talk/")
    assert status == 200
    assert html.startswith('<!doctype html>\n<html lang="ja-JP">')
    assert '<time datetime="2026-08-15T00:00:00+00:00">2026年8月15日</time>' in html
    assert "タグ:" in html and "コンテンツへスキップ" in html and ">検索</button>" in html
    # Rendered at publish time in the publishing functions' language.
    assert '<h2 id="comments-heading">2件のコメント</h2>' in html
    assert '<span class="comment-author">匿名</span>' in html
    assert "<h2>カテゴリー</h2>" in html and "<h2>最近の投稿</h2>" in html
    # The calendar: month and weekdays in Japanese, its links naming the months.
    assert "<caption>2026年8月</caption>" in html
    assert '<th scope="col" title="月曜日">月</th>' in html
    assert 'title="2025年12月">« 12月</a>' in html and 'title="2026年10月">10月 »</a>' in html
    assert 'aria-label="2026年8月15日 の投稿"' in html
    assert "Continue reading" not in html and "Search" not in html.split("<body>", 1)[1]


@pytest.mark.usefixtures("blog")
@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/", ["続きを読む", '<h1 class="visually-hidden">最新の投稿</h1>']),
        ("/2026/08/", ['<h1 class="archive-title">2026年8月</h1>']),
        ("/2026/08/15/", ['<h1 class="archive-title">2026年8月15日</h1>']),
        ("/2026/", ['<h1 class="archive-title">2026年</h1>']),
        ("/tag/aws/", ['<h1 class="archive-title">タグ: aws</h1>', "<title>タグ: aws –"]),
        ("/category/notes/", ["カテゴリー: notes"]),
        (
            "/search?q=talk",
            ["「talk」の検索結果", '<p class="result-count">1件の投稿が見つかりました。'],
        ),
        ("/search", ['<h1 class="archive-title">検索</h1>', "検索ボックスに"]),
        ("/search?q=zzzz", ["「zzzz」に一致するものはありません。"]),
        ("/no/such/page/here/", ["<h1>ページが見つかりません</h1>", ">最新の投稿</a>"]),
    ],
)
def test_japanese_pages(
    client: Client, speak: Callable[[str], None], path: str, expected: list[str]
) -> None:
    speak("ja")
    _, html = page(client, path)
    assert '<html lang="ja">' in html
    for text in expected:
        assert text in html


@pytest.mark.usefixtures("blog")
def test_arabic_is_right_to_left(client: Client, speak: Callable[[str], None]) -> None:
    speak("ar")
    _, html = page(client, "/")
    assert '<html lang="ar" dir="rtl">' in html
    assert ">بحث</button>" in html and "متابعة القراءة" in html
    _, post = page(client, "/2026/08/talk/")
    assert "15 أغسطس 2026" in post and "<caption>أغسطس 2026</caption>" in post


@pytest.mark.usefixtures("blog")
def test_an_unshipped_language_keeps_its_tag_with_an_english_interface(
    client: Client, speak: Callable[[str], None]
) -> None:
    speak("pt-BR")
    _, html = page(client, "/")
    assert '<html lang="pt-BR">' in html and "Continue reading" in html
    speak("fa")
    _, html = page(client, "/")
    assert '<html lang="fa" dir="rtl">' in html


@pytest.mark.usefixtures("blog")
def test_english_names_the_calendar_months(client: Client) -> None:
    _, html = page(client, "/2026/08/talk/")
    assert '<html lang="en">' in html and "<caption>August 2026</caption>" in html
    assert 'title="December 2025">« Dec</a>' in html and 'title="October 2026">Oct »</a>' in html


@pytest.mark.usefixtures("blog")
@pytest.mark.parametrize("tag", ["ja", "de-AT", "ar"])
def test_feeds_state_the_language(client: Client, speak: Callable[[str], None], tag: str) -> None:
    speak(tag)
    rss = ET.fromstring(client.http.get("/feed/").body)
    assert rss.findtext("channel/language") == tag
    atom = ET.fromstring(client.http.get("/feed/atom/").body)
    assert atom.get("{http://www.w3.org/XML/1998/namespace}lang") == tag


def test_publish_time_fragments_follow_the_functions_language(
    client: Client, publish: Publish, monkeypatch: pytest.MonkeyPatch, s3: Any
) -> None:
    monkeypatch.setenv("SITE_LANGUAGE", "de")
    publish("posts/a.md", make_post_markdown("A", "2026-08-15", ["x"], ["y"]))
    html = client.http.get("/").body.decode()
    assert "<h2>Kategorien</h2>" in html and 'title="1 Beitrag"' in html
    # The page itself is still served in the app's own language.
    assert ">Search</button>" in html


def test_reconcile_renders_the_layout_again_in_a_new_language(
    client: Client, publish: Publish, monkeypatch: pytest.MonkeyPatch
) -> None:
    publish("posts/a.md", make_post_markdown("A", "2026-08-15", ["x"], ["y"]))
    assert "<h2>Categories</h2>" in client.http.get("/").body.decode()
    monkeypatch.setenv("SITE_LANGUAGE", "fr")
    client.lambda_.invoke("reconcile", client.events.generate_cw_event("", "", {}, []))
    assert "<h2>Catégories</h2>" in client.http.get("/").body.decode()
