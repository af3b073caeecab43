"""Post pages: related posts by shared tags, and media uploaded by authors."""

from __future__ import annotations

import urllib.request
from collections.abc import Callable
from typing import Any
from urllib.parse import urljoin

from chalice.test import Client

from tests.helpers.local import BUCKET_NAME
from tests.helpers.pages import elements
from tests.helpers.posts import make_post_markdown

Publish = Callable[[str, str], None]


def related(client: Client, path: str) -> list[str]:
    html = client.http.get(path).body.decode()
    if '<section class="related"' not in html:
        return []
    section = html.split('<section class="related"', 1)[1].split("</section>", 1)[0]
    return [a["href"] for a in elements(section, "a")]


def test_related_posts_share_the_most_tags(client: Client, publish: Publish) -> None:
    publish("posts/base.md", make_post_markdown("Base", "2026-05-01", ["aws", "python"]))
    publish("posts/both.md", make_post_markdown("Both", "2026-04-01", ["python", "aws"]))
    publish("posts/one.md", make_post_markdown("One", "2026-06-01", ["aws"]))
    publish("posts/none.md", make_post_markdown("None", "2026-06-02", ["cooking"]))
    assert related(client, "/2026/05/base/") == ["/2026/04/both/", "/2026/06/one/"]
    assert related(client, "/2026/06/none/") == []


def test_author_uploaded_media_is_served_from_relative_references(
    client: Client, publish: Publish, s3: Any
) -> None:
    s3.put_object(
        Bucket=BUCKET_NAME,
        Key="media/trip/photo.png",
        Body=b"\x89PNG-bytes",
        ContentType="image/png",
    )
    publish(
        "posts/trip.md",
        make_post_markdown("Trip", "2026-05-01", body="![Photo](../media/trip/photo.png)"),
    )
    html = client.http.get("/2026/05/trip/").body.decode()
    [img] = elements(html, "img", alt="Photo")
    assert img["loading"] == "lazy"
    redirect = client.http.get(urljoin("/2026/05/trip/", img["src"]))
    assert redirect.status_code == 302
    with urllib.request.urlopen(redirect.headers["Location"]) as response:
        assert response.read() == b"\x89PNG-bytes"
    assert client.http.get("/media/photo.exe").status_code == 404
