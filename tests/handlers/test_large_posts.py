"""Posts too large for a DynamoDB item still publish; what cannot publish is reported."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from chalice.test import Client

from chalicelib import aws
from chalicelib.config import Settings
from chalicelib.models import MAX_CATEGORIES, MAX_TAGS
from chalicelib.publishing import reports
from chalicelib.publishing.ingest import sync_source
from chalicelib.storage.bodies import RENDERED_PREFIX
from chalicelib.storage.store import BlogStore
from tests.helpers.local import BUCKET_NAME
from tests.helpers.posts import make_post_markdown

Publish = Callable[[str, str], None]


def prose(kilobytes: int) -> str:
    """Paragraphs of plain prose, about ``kilobytes`` KB of Markdown."""
    paragraph = " ".join(f"word{k} and more text" for k in range(40))
    count = kilobytes * 1024 // (len(paragraph) + 2)
    return "\n\n".join(f"{paragraph} p{n}." for n in range(count)) + "\n\nTHE-END-MARK\n"


def code(kilobytes: int) -> str:
    """One fenced Python block of about ``kilobytes`` KB (many Pygments spans)."""
    line = "    total = compute(alpha, beta, gamma) + 42  # note\n"
    return "```python\n" + line * (kilobytes * 1024 // len(line)) + "```\n\nTHE-END-MARK\n"


def rendered_keys(s3: Any) -> list[str]:
    listed = s3.list_objects_v2(Bucket=BUCKET_NAME, Prefix=RENDERED_PREFIX)
    return [entry["Key"] for entry in listed.get("Contents", [])]


@pytest.mark.parametrize(("body", "size"), [(prose, 458), (code, 115)])
def test_posts_over_the_item_limit_publish(
    client: Client, publish: Publish, s3: Any, body: Callable[[int], str], size: int
) -> None:
    publish("posts/big.md", make_post_markdown("Big", "2026-08-01", ["x"], body=body(size)))
    assert list(reports.list_reports(s3, BUCKET_NAME)) == []
    page = client.http.get("/2026/08/big/")
    assert page.status_code == 200
    assert len(page.body) > 400_000 and b"THE-END-MARK" in page.body
    assert b"Big" in client.http.get("/").body
    assert len(rendered_keys(s3)) == 1


def test_an_edited_large_post_replaces_its_stored_body(
    client: Client, publish: Publish, s3: Any
) -> None:
    publish("posts/big.md", make_post_markdown("Big", "2026-08-01", body=prose(400)))
    first = rendered_keys(s3)
    publish("posts/big.md", make_post_markdown("Big", "2026-08-01", body=prose(401) + "EDITED"))
    assert b"EDITED" in client.http.get("/2026/08/big/").body
    assert len(rendered_keys(s3)) == 1 and rendered_keys(s3) != first
    publish("posts/big.md", make_post_markdown("Big", "2026-08-01", body="Small now."))
    assert b"Small now." in client.http.get("/2026/08/big/").body


def test_an_ordinary_post_keeps_its_body_in_the_item(
    client: Client, publish: Publish, s3: Any
) -> None:
    publish("posts/small.md", make_post_markdown("Small", "2026-08-01", body=prose(100)))
    assert rendered_keys(s3) == []
    assert b"THE-END-MARK" in client.http.get("/2026/08/small/").body


def test_an_overlong_title_is_rejected_with_a_report(publish: Publish, s3: Any) -> None:
    publish("posts/long.md", make_post_markdown("T" * 5000, "2026-08-01"))
    [report] = reports.list_reports(s3, BUCKET_NAME)
    assert report.key == "posts/long.md" and "title is 5000 characters" in report.reason


def test_a_post_too_large_to_serve_is_rejected_with_a_report(
    client: Client, publish: Publish, s3: Any
) -> None:
    dense = "```python\n" + "a(b,c);d[e]=f|g\n" * 12_000 + "```\n"  # 192 KB, 4 MB of HTML
    publish("posts/huge.md", make_post_markdown("Huge", "2026-08-01", body=dense))
    [report] = reports.list_reports(s3, BUCKET_NAME)
    assert "the post renders to" in report.reason and "the limit is 4,000,000" in report.reason
    assert client.http.get("/2026/08/huge/").status_code == 404


def test_a_static_page_too_large_for_its_item_is_rejected_with_a_report(
    client: Client, publish: Publish, s3: Any
) -> None:
    publish("pages/big.md", "---\ntitle: Big\n---\n" + prose(458))
    [report] = reports.list_reports(s3, BUCKET_NAME)
    assert "the page renders to" in report.reason and "the limit is 300,000" in report.reason
    assert client.http.get("/big/").status_code == 404


def test_any_failure_is_reported_before_it_is_raised(
    s3: Any, settings: Settings, aws_resources: dict[str, Any]
) -> None:
    s3.put_object(
        Bucket=BUCKET_NAME, Key="posts/a.md", Body=make_post_markdown("A", "2026-08-01").encode()
    )
    broken = BlogStore(aws_resources["dynamodb"], "no-such-table")
    with pytest.raises(Exception, match="ResourceNotFound|non-existent table"):
        sync_source("posts/a.md", s3, broken, settings)
    [report] = reports.list_reports(s3, BUCKET_NAME)
    assert report.key == "posts/a.md" and "publishing failed" in report.reason


def front_matter(date: str, prefix: str, author: str, sticky: bool) -> str:
    tags = ", ".join(f"{prefix}tag{n}" for n in range(MAX_TAGS))
    categories = ", ".join(f"{prefix}cat{n}" for n in range(MAX_CATEGORIES))
    return (
        f"---\ntitle: Everything\ndate: {date}\ntags: [{tags}]\ncategories: [{categories}]\n"
        f"author: {author}\nsticky: {str(sticky).lower()}\n---\nBody.\n"
    )


def test_a_post_changing_everything_at_once_fits_one_transaction(
    client: Client, publish: Publish, s3: Any
) -> None:
    # The largest transaction a post makes: every listing entry and counter moves (new
    # date, all tags and categories, author, sticky), and it takes three related posts.
    for n in range(4):
        other = make_post_markdown(f"Other {n}", f"2019-01-0{n + 1}", ["btag0", "btag1"])
        publish(f"posts/other{n}.md", other)
    publish("posts/all.md", front_matter("2019-01-15", "a", "Ann", sticky=True))
    sizes: list[int] = []

    def count(params: dict[str, Any], **_: Any) -> None:
        sizes.append(len(params["TransactItems"]))

    event = "provide-client-params.dynamodb.TransactWriteItems"
    aws.dynamodb_client().meta.events.register(event, count)
    try:
        publish("posts/all.md", front_matter("2020-06-20", "b", "Bob", sticky=False))
    finally:
        aws.dynamodb_client().meta.events.unregister(event, count)
    # DynamoDB refuses more than 100 actions; this is the worst case, within 10 of it.
    assert 90 <= max(sizes) <= 100, sizes
    listed = s3.list_objects_v2(Bucket=BUCKET_NAME, Prefix=reports.ERRORS_PREFIX)
    assert listed.get("Contents", []) == []
    body = client.http.get("/2020/06/everything/").body.decode()
    assert "btag14" in body and "bcat4" in body and "Other 3" in body
    assert "atag0" not in body
    assert client.http.get("/2019/01/everything/").status_code == 404
    assert client.http.get("/tag/atag14/").status_code == 404
    assert "Featured" not in client.http.get("/").body.decode()
