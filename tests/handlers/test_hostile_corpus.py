"""The hostile corpus through the real path: S3 event -> handler -> DynamoDB -> pages.

Every file is either published with nothing executable left in any page, or rejected:
the published version of that key stays as it was, and the author finds the reason in
``errors/<key>.json`` until the file is fixed.
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable
from typing import Any

import pytest
from chalice.test import Client

from chalicelib.site import urls
from chalicelib.storage.store import BlogStore
from tests.helpers.events import deliver
from tests.helpers.local import BUCKET_NAME, FIXTURES
from tests.helpers.pages import elements
from tests.helpers.posts import make_post_markdown
from tests.helpers.safety import executable_content

CORPUS = FIXTURES.parent / "corpus" / "hostile"
MANIFEST = json.loads((CORPUS / "manifest.json").read_text(encoding="utf-8"))
GOOD = make_post_markdown("Good version", "2011-01-05", ["kept"], ["Kept"])
Publish = Callable[[str, str | bytes], None]


def report(s3: Any, key: str) -> dict[str, str] | None:
    try:
        body = s3.get_object(Bucket=BUCKET_NAME, Key=f"errors/{key}.json")["Body"].read()
    except s3.exceptions.NoSuchKey:
        return None
    return json.loads(body)  # type: ignore[no-any-return]


def page_title(client: Client, post_id: str) -> str:
    response = client.http.get(urls.post_path(post_id))
    assert response.status_code == 200
    body = response.body.decode()
    return html.unescape(body.split('<h1 class="entry-title">', 1)[1].split("</h1>", 1)[0])


def assert_inert(client: Client, post_id: str) -> None:
    post_page = client.http.get(urls.post_path(post_id)).body.decode()
    pages = [post_page, client.http.get("/").body.decode()]
    pages += [client.http.get(a["href"]).body.decode() for a in elements(post_page, "a", rel="tag")]
    pages += [
        client.http.get(a["href"]).body.decode() for a in elements(post_page, "a", rel="category")
    ]
    for page in pages:
        assert executable_content(page) == []


def test_corpus_is_large_enough() -> None:
    assert len(MANIFEST) >= 50
    assert {entry["expect"] for entry in MANIFEST} == {"published", "rejected"}


@pytest.mark.slow
@pytest.mark.parametrize("entry", MANIFEST, ids=[entry["file"] for entry in MANIFEST])
def test_hostile_file(
    entry: dict[str, str], client: Client, publish: Publish, s3: Any, store: BlogStore
) -> None:
    key = entry.get("key", f"posts/{entry['file']}")
    publish("posts/slug-claim-first.md", (CORPUS / "slug-claim-first.md").read_bytes())
    publishable_key = key.count("/") == 1
    if entry["expect"] == "rejected" and publishable_key:
        publish(key, GOOD)
    before = store.sources.get_source(key)

    publish(key, (CORPUS / entry["file"]).read_bytes())

    source = store.sources.get_source(key)
    if entry["expect"] == "published":
        assert source is not None
        assert page_title(client, source.post_id) == entry["title"]
        assert_inert(client, source.post_id)
        assert report(s3, key) is None
        return
    found = report(s3, key)
    assert found is not None and entry["reason"] in found["reason"], found
    assert source == before
    if before is not None:
        assert page_title(client, before.post_id) == "Good version"
        publish(key, GOOD.replace("Good version", "Fixed version"))
        assert report(s3, key) is None
        assert page_title(client, before.post_id) == "Fixed version"


def test_five_megabyte_post_is_rejected_unread(
    client: Client, publish: Publish, s3: Any, store: BlogStore
) -> None:
    publish("posts/huge.md", GOOD)
    publish("posts/huge.md", GOOD + "word " * (1024 * 1024))
    found = report(s3, "posts/huge.md")
    assert found is not None and "the limit is 1000000" in found["reason"]
    assert page_title(client, "2011/01/huge") == "Good version"


def test_deleting_a_rejected_file_clears_its_report(
    client: Client, publish: Publish, s3: Any
) -> None:
    publish("posts/bad.md", b"---\ntitle: [\n---\n")
    assert report(s3, "posts/bad.md") is not None
    s3.delete_object(Bucket=BUCKET_NAME, Key="posts/bad.md")
    deliver(client, "posts/bad.md", "ObjectRemoved:Delete")
    assert report(s3, "posts/bad.md") is None
