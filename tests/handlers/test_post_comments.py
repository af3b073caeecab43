"""Comments kept beside a post or page are shown under it, read-only; a bad file rejects it."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from chalice.test import Client

from blogctl.importing.wordpress import read_site
from blogctl.importing.writer import SlugRegistry, source_for
from tests.helpers.local import BUCKET_NAME
from tests.helpers.posts import UPLOAD_TIME, make_post_markdown

Publish = Callable[[str, str], None]
THEME_EXPORT = Path(__file__).parents[1] / "corpus/import/wordpress/themeunittestdata.wordpress.xml"


def test_comments_are_shown_threaded_under_their_post(
    client: Client, publish: Publish, s3: Any
) -> None:
    comments = [
        {"id": "1", "author": "Ann", "date": "2026-01-06T09:00:00+00:00", "text": "First!"},
        {
            "id": "2",
            "parent": "1",
            "author": "Bo",
            "date": "2026-01-07T09:00:00+00:00",
            "text": "A *reply*.",
        },
    ]
    s3.put_object(
        Bucket=BUCKET_NAME, Key="posts/talk.comments.json", Body=json.dumps(comments).encode()
    )
    publish("posts/talk.md", make_post_markdown("Talk", "2026-01-05", body="Say something."))
    html = client.http.get("/2026/01/talk/").body.decode()
    section = html.split('<section class="comments"', 1)[1].split("</section>", 1)[0]
    assert "2 comments" in section
    assert section.index("First!") < section.index('<ol class="comment-replies">')
    assert "A <em>reply</em>." in section.split('<ol class="comment-replies">', 1)[1]
    # Comments are not part of what search finds or what listings summarize.
    assert "First" not in client.http.get("/").body.decode()


def test_a_bad_comments_file_rejects_the_post_and_keeps_what_was_published(
    client: Client, publish: Publish, s3: Any
) -> None:
    publish("posts/talk.md", make_post_markdown("Talk", "2026-01-05"))
    s3.put_object(Bucket=BUCKET_NAME, Key="posts/talk.comments.json", Body=b"{oops")
    publish("posts/talk.md", make_post_markdown("Talk, edited", "2026-01-05"))
    report = json.loads(
        s3.get_object(Bucket=BUCKET_NAME, Key="errors/posts/talk.md.json")["Body"].read()
    )
    assert "posts/talk.comments.json" in report["reason"]
    page = client.http.get("/2026/01/talk/")
    assert page.status_code == 200 and "Talk, edited" not in page.body.decode()


def test_comments_are_shown_threaded_under_their_page(
    client: Client, publish: Publish, s3: Any
) -> None:
    comments = [
        {"id": "7", "author": "Cy", "date": "2026-01-06T09:00:00+00:00", "text": "Nice page."},
        {
            "id": "8",
            "parent": "7",
            "author": "Di",
            "date": "2026-01-07T09:00:00+00:00",
            "text": "**Agreed**.",
        },
        {"id": "9", "author": "Ed", "date": "2026-01-08T09:00:00+00:00", "text": "Later."},
    ]
    key = "pages/page-with-comments.comments.json"
    s3.put_object(Bucket=BUCKET_NAME, Key=key, Body=json.dumps(comments).encode())
    page = "---\ntitle: Page with comments\nparent: about\n---\nThe page's own text.\n"
    publish("pages/page-with-comments.md", page)
    html = client.http.get("/about/page-with-comments/").body.decode()
    content = html.split('<div class="entry-content">', 1)[1]
    assert content.index("The page's own text.") < content.index('<section class="comments"')
    section = content.split('<section class="comments"', 1)[1].split("</section>", 1)[0]
    assert "3 comments" in section
    replies = section.split('<ol class="comment-replies">', 1)[1].split("</ol>", 1)[0]
    assert "<strong>Agreed</strong>." in replies and "Later." not in replies
    assert section.index("Nice page.") < section.index("Later.")
    # The marker that separates stored body and comments is not sent.
    assert "<!--comments-->" not in html


def test_a_bad_comments_file_rejects_the_page_and_keeps_what_was_published(
    client: Client, publish: Publish, s3: Any
) -> None:
    publish("pages/about.md", "---\ntitle: About\n---\nHi.\n")
    s3.put_object(Bucket=BUCKET_NAME, Key="pages/about.comments.json", Body=b"[{}]")
    publish("pages/about.md", "---\ntitle: About, edited\n---\nHi.\n")
    report = json.loads(
        s3.get_object(Bucket=BUCKET_NAME, Key="errors/pages/about.md.json")["Body"].read()
    )
    assert "pages/about.comments.json: comment 1" in report["reason"]
    page = client.http.get("/about/")
    assert page.status_code == 200 and "About, edited" not in page.body.decode()


def test_the_theme_exports_page_with_comments_shows_them(
    client: Client, publish: Publish, s3: Any
) -> None:
    [item] = [i for i in read_site(THEME_EXPORT).items if i.title == "Page with comments"]
    source = source_for(item, SlugRegistry(), UPLOAD_TIME)
    assert source.comments_body is not None
    # As blogctl import does: the comments file first, then the page.
    s3.put_object(Bucket=BUCKET_NAME, Key=source.comments_key, Body=source.comments_body)
    publish(source.key, source.body.decode())
    html = client.http.get("/about/page-with-comments/").body.decode()
    assert "3 comments" in html.split('<section class="comments"', 1)[1]
