"""Mail-in through the handlers: inbox/ event -> mail handler -> posts/ -> pages.

Each corpus message is stored under inbox/ as SES stores it and its S3 event goes to
the mail handler; the post file it writes then gets its own event, as S3 would send.
"""

from __future__ import annotations

import json
import urllib.request
from typing import Any
from urllib.parse import quote_plus, urljoin

import pytest
from chalice.test import Client

from chalicelib.site import urls
from chalicelib.storage.store import BlogStore
from tests.helpers.events import deliver
from tests.helpers.local import BUCKET_NAME, FIXTURES
from tests.helpers.pages import elements
from tests.helpers.safety import executable_content

MAIL = FIXTURES.parent / "corpus" / "mail"
MANIFEST = json.loads((MAIL / "manifest.json").read_text(encoding="utf-8"))


def receive(client: Client, s3: Any, name: str, raw: bytes) -> None:
    """Store a message as SES does, then run the triggers S3 would run."""
    key = f"inbox/{name}"
    s3.put_object(Bucket=BUCKET_NAME, Key=key, Body=raw)
    event = client.events.generate_s3_event(BUCKET_NAME, quote_plus(key), "ObjectCreated:Put")
    client.lambda_.invoke("on_mail_received", event)
    for post_key in keys(s3, "posts/"):
        deliver(client, post_key, "ObjectCreated:Put")


def keys(s3: Any, prefix: str) -> list[str]:
    listing = s3.list_objects_v2(Bucket=BUCKET_NAME, Prefix=prefix)
    return [entry["Key"] for entry in listing.get("Contents", [])]


def published_page(client: Client, store: BlogStore, s3: Any) -> tuple[str, str]:
    [post_key] = keys(s3, "posts/")
    source = store.sources.get_source(post_key)
    assert source is not None, post_key
    path = urls.post_path(source.post_id)
    response = client.http.get(path)
    assert response.status_code == 200
    return path, response.body.decode()


@pytest.mark.parametrize(
    "entry", [e for e in MANIFEST if e["expect"] == "posted"], ids=lambda e: e["file"]
)
def test_message_is_posted(
    entry: dict[str, Any], client: Client, s3: Any, store: BlogStore
) -> None:
    receive(client, s3, "msg-1", (MAIL / entry["file"]).read_bytes())

    path, page = published_page(client, store, s3)
    assert f'<h1 class="entry-title">{entry["title"]}</h1>' in page
    assert '<p class="via">Posted via email</p>' in page
    assert entry["body"] in page
    if "absent" in entry:
        assert entry["absent"] not in page
    assert [a["href"] for a in elements(page, "a", rel="tag")] == [
        urls.tag_path(tag) for tag in entry.get("tags", [])
    ]
    for image in entry.get("images", []):
        [img] = [i for i in elements(page, "img") if i["src"].endswith(f"/{image}")]
        assert_media_served(client, urljoin(path, img["src"]), b"\x89PNG")
    for document in entry.get("documents", []):
        [link] = [a for a in elements(page, "a") if a["href"].endswith(f"/{document}")]
        assert_media_served(client, urljoin(path, link["href"]), b"%PDF")
    assert executable_content(page) == []
    assert keys(s3, "inbox/") == ["inbox/processed/msg-1"]


def assert_media_served(client: Client, path: str, magic: bytes) -> None:
    response = client.http.get(path)
    assert response.status_code == 302
    with urllib.request.urlopen(response.headers["Location"]) as presigned:
        assert presigned.read().startswith(magic)


@pytest.mark.parametrize(
    "entry", [e for e in MANIFEST if e["expect"] == "rejected"], ids=lambda e: e["file"]
)
def test_message_is_rejected_with_reason(entry: dict[str, str], client: Client, s3: Any) -> None:
    receive(client, s3, "msg-1", (MAIL / entry["file"]).read_bytes())
    assert keys(s3, "posts/") == [] and keys(s3, "media/") == []
    assert keys(s3, "inbox/") == ["inbox/rejected/msg-1", "inbox/rejected/msg-1.reason.txt"]
    reason = s3.get_object(Bucket=BUCKET_NAME, Key="inbox/rejected/msg-1.reason.txt")["Body"].read()
    assert entry["reason"] in reason.decode()


def test_oversized_message_is_rejected_unread(client: Client, s3: Any) -> None:
    raw = (MAIL / "plain-text-signature.eml").read_bytes() + b"x" * 10_000_001
    receive(client, s3, "big", raw)
    reason = s3.get_object(Bucket=BUCKET_NAME, Key="inbox/rejected/big.reason.txt")["Body"].read()
    assert b"the limit is 10000000" in reason
    assert keys(s3, "posts/") == []


def test_redelivered_message_posts_once(client: Client, s3: Any, store: BlogStore) -> None:
    raw = (MAIL / "gmail-inline-image.eml").read_bytes()
    receive(client, s3, "msg-1", raw)
    event = client.events.generate_s3_event(BUCKET_NAME, "inbox/msg-1", "ObjectCreated:Put")
    client.lambda_.invoke("on_mail_received", event)
    receive(client, s3, "msg-2", raw)  # the same message delivered to the inbox twice
    assert len(keys(s3, "posts/")) == 1
    assert len(store.reads.list_posts("LIST#all").posts) == 1


def test_another_sender_cannot_overwrite_a_post_by_reusing_its_message_id(
    client: Client, s3: Any, store: BlogStore
) -> None:
    raw = (MAIL / "plain-text-signature.eml").read_bytes()
    receive(client, s3, "carol", raw)
    [carol_key] = keys(s3, "posts/")
    bob = (
        raw.replace(b"carol@example.com", b"bob@example.org")
        .replace(b"header.i=@example.com", b"header.i=@example.org")
        .replace(b"header.from=example.com", b"header.from=example.org")
        .replace(b"Caf=E9 au lait", b"Replaced by Bob")
    )
    receive(client, s3, "bob", bob)
    assert len(keys(s3, "posts/")) == 2
    carol_post = s3.get_object(Bucket=BUCKET_NAME, Key=carol_key)["Body"].read().decode()
    assert "Café au lait" in carol_post and "Bob" not in carol_post


def test_a_message_the_parser_chokes_on_is_filed_as_rejected(client: Client, s3: Any) -> None:
    head = (MAIL / "plain-text-signature.eml").read_bytes().split(b"\n\n", 1)[0]
    head = head.replace(b"Content-Type:", b"X-Was-Content-Type:")
    nested = b"".join(
        b"Content-Type: multipart/mixed; boundary=b%d\n\n--b%d\n" % (i, i) for i in range(1000)
    )
    receive(client, s3, "nested", head + b"\n" + nested)
    assert keys(s3, "inbox/") == ["inbox/rejected/nested", "inbox/rejected/nested.reason.txt"]
    reason = s3.get_object(Bucket=BUCKET_NAME, Key="inbox/rejected/nested.reason.txt")["Body"]
    assert b"more than 100 MIME parts" in reason.read()


def test_same_subject_twice_gets_distinct_permalinks(
    client: Client, s3: Any, store: BlogStore
) -> None:
    raw = (MAIL / "plain-text-signature.eml").read_bytes()
    receive(client, s3, "one", raw)
    receive(client, s3, "two", raw.replace(b"GA1234@carol", b"GB5678@carol"))
    ids = sorted(p.post_id for p in store.reads.list_posts("LIST#all").posts)
    assert len(ids) == 2 and ids[0].startswith("2026/11/café-morning")


def test_media_route_rejects_names_it_cannot_serve(client: Client) -> None:
    for path in (
        "/media/../x.png",
        "/media/a.b/a.png",
        "/media/0123456789ab/a.exe",
        "/media/0123456789ab/.png",
    ):
        assert client.http.get(path).status_code == 404, path
