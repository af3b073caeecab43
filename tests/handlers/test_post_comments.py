"""Comments kept beside a post are shown under it, read-only; a bad file rejects the post."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from chalice.test import Client

from tests.helpers.local import BUCKET_NAME
from tests.helpers.posts import make_post_markdown

Publish = Callable[[str, str], None]


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
