"""A bulk load leaves the same site, byte for byte, as publishing the files one at a time."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import pytest
from chalice.test import Client

import app as blog_app
from bench.corpus import generate
from blogctl import provision
from blogctl.importing import report as outcomes
from blogctl.importing.report import ImportReport
from blogctl.importing.run import IMPORTED_FROM, ImportOptions, run_import
from chalicelib.config import Settings
from chalicelib.publishing import bulk
from chalicelib.publishing.ingest import sync_source
from chalicelib.storage.keys import (
    ALL_POSTS,
    COUNTS,
    PREVIEW_LINKS,
    SOURCE_INDEX,
    preview_item,
    source_item,
)
from chalicelib.storage.records import RedirectTarget
from chalicelib.storage.store import BlogStore
from tests.helpers.crashes import InjectedFailure, fail_once
from tests.helpers.events import filed_report
from tests.helpers.local import BUCKET_NAME, PROJECT_DIR, TABLE_NAME
from tests.integration import test_import_run as importing

NOW = datetime(2026, 12, 1, tzinfo=UTC)
POSTS = 300
# Pages crawled in each snapshot: every item of the table is compared too, and pages are
# made from items alone, so a sample of each page type is enough (and keeps this quick).
CRAWLED_PAGES = 150
COMMENTS = [
    {"id": "1", "author": "Ann", "date": "2020-01-02T10:00:00", "text": "First!"},
    {"id": "2", "parent": "1", "author": "Bob", "date": "2020-01-03T10:00:00", "text": "Reply"},
]
# Derived bookkeeping that may differ: the generation a link or layout was computed at.
_GENERATIONS = {"linkgen", "gen"}
_LINK = re.compile(r'(?:href|src)="([^"]+)"|<loc>([^<]+)</loc>')


def corpus() -> dict[str, bytes]:
    """Return 300 generated posts over ten years, and the cases bulk leaves to sync_source."""
    files: dict[str, bytes] = {}
    for n, generated in enumerate(generate(POSTS, seed=13)):
        # Short bodies: search postings are most of a post's writes, and keep this quick.
        post = replace(generated, body=generated.body[:300])
        text = post.markdown()
        aliases = [f"/old/{n}/"] if n % 7 == 0 or n == 1 else []
        if n % 50 == 3:
            aliases.append("/old/shared/")  # claimed by several: the first in key order wins
        if aliases:
            text = text.replace("---\n", f"---\naliases: {json.dumps(aliases)}\n", 1)
        if n % 25 == 5:  # 12 sticky posts: the layout keeps the newest 10
            text = text.replace("---\n", "---\nsticky: true\n", 1)
        if n % 60 == 1:  # split into pages, post 1 with its comments too
            text += "\n\n<!--nextpage-->\n\nThe second page.\n\n<!--nextpage-->\n\nThird.\n"
        files[f"posts/{post.name}.md"] = text.encode()
    files["posts/post-00001.comments.json"] = json.dumps(COMMENTS).encode()
    files["posts/zz-draft.md"] = b"---\ntitle: Draft\ndate: 2020-01-01\ndraft: true\n---\nNo."
    files["posts/zz-future.md"] = b"---\ntitle: Later\ndate: 2099-01-01\n---\nSoon."
    files["posts/zz-broken.md"] = b"---\ntitle: [unclosed\n---\nBroken."
    same = b"---\ntitle: Twin\nslug: twin\ndate: 2020-05-05\ntags: [topic-01]\n---\nTwin %d."
    files["posts/zz-twin-a.md"] = same.replace(b"%d", b"a")
    files["posts/zz-twin-b.md"] = same.replace(b"%d", b"b")
    files["pages/about.md"] = b"---\ntitle: About\n---\nAbout this blog."
    files.update(_nested_categories())
    return files


def _nested_categories() -> dict[str, bytes]:
    """Posts giving slugs and parents, then others renaming, keeping and clearing them."""
    fronts = [
        "categories: [{name: Code, slug: code}, {name: Python, slug: python, parent: code},"
        " {name: Web, parent: code}]\ntags: [{name: C++, slug: cpp}]",
        "categories: [WEB]\ntags: [{name: cpp}]",  # renamed, its parent kept
        "categories: [{name: PYTHON, parent: ''}, {name: A, parent: b}, {name: B, parent: a}]",
    ]
    head = "---\ntitle: Nest {n}\ndate: 2021-0{month}-01\n"
    return {
        f"posts/zz-nest-{n}.md": (head.format(n=n, month=n + 1) + f"{front}\n---\nN.").encode()
        for n, front in enumerate(fronts)
    }


@pytest.fixture
def uploaded(s3: Any) -> list[str]:
    """Upload the corpus once; both loads read the same objects, same versions."""
    files = corpus()
    for key, body in files.items():
        s3.put_object(Bucket=BUCKET_NAME, Key=key, Body=body)
    return sorted(k for k in files if k.endswith(".md"))


def recreate_table(store: BlogStore) -> None:
    """Drop and recreate the table: the second load starts from nothing, like a wipe."""
    store.table.client.delete_table(TableName=TABLE_NAME)
    provision.ensure_table(store.table.client, TABLE_NAME)


def table_items(store: BlogStore) -> dict[tuple[str, str], dict[str, Any]]:
    """Return every item of the table, without the generation bookkeeping."""
    paginator = store.table.client.get_paginator("scan")
    items = {}
    for page in paginator.paginate(TableName=TABLE_NAME, ConsistentRead=True):
        for item in page["Items"]:
            kept = {k: v for k, v in item.items() if k not in _GENERATIONS}
            items[(item["pk"]["S"], item["sk"]["S"])] = kept
    return _by_source(items)


def _by_source(items: dict[tuple[str, str], dict[str, Any]]) -> dict[Any, dict[str, Any]]:
    """Name previews by their source, not their token: tokens are random, all else is not."""
    tokens = {
        preview_item(item.pop("token")["S"]): sk
        for (pk, sk), item in items.items()
        if pk == PREVIEW_LINKS
    }
    renamed = {
        (f"PREVIEW of {tokens[pk]}", sk): {**items.pop((pk, sk)), "pk": {"S": "PREVIEW"}}
        for pk, sk in list(items)
        if pk in tokens
    }
    return {**items, **renamed}


def crawl(client: Client, extra: list[str]) -> dict[str, tuple[int, str]]:
    """Fetch every page reachable from the home page, sitemaps and feeds: path -> response."""
    seen: dict[str, tuple[int, str]] = {}
    queue = [*extra, "/", "/sitemap.xml", "/feed", "/feed/atom"]
    while queue and len(seen) < CRAWLED_PAGES:
        path = queue.pop(0)
        if path in seen or path.startswith(("/static/", "/media/")):
            continue
        response = client.http.get(path)
        body = response.body.decode() if isinstance(response.body, bytes) else response.body
        location = response.headers.get("Location", "")
        seen[path] = (response.status_code, body + location)
        queue += [p for p in _links(body + f' href="{location}"') if p not in seen]
    return seen


def _links(body: str) -> Iterator[str]:
    for match in _LINK.finditer(body):
        parts = urlsplit(html.unescape(match.group(1) or match.group(2)))
        if parts.path.startswith("/") and parts.netloc in ("", "blog.example.org", "localhost"):
            yield parts.path + (f"?{parts.query}" if parts.query else "")


def snapshot(store: BlogStore) -> tuple[dict[str, tuple[int, str]], dict[Any, Any]]:
    """Return every page and every item the blog holds."""
    blog_app.get_store.cache_clear()
    blog_app.get_reads.cache_clear()
    extra = ["/search?q=kalo", "/search?q=mi+ne", "/old/0/", "/old/1/", "/old/shared/", "/about"]
    with Client(blog_app.app, stage_name="local", project_dir=str(PROJECT_DIR)) as client:
        pages = crawl(client, extra)
    return pages, table_items(store)


@pytest.mark.slow
def test_bulk_load_matches_one_at_a_time(
    s3: Any, store: BlogStore, settings: Settings, uploaded: list[str]
) -> None:
    one_by_one = [sync_source(key, s3, store, settings, now=NOW) for key in uploaded]
    pages, items = snapshot(store)
    recreate_table(store)

    outcomes = bulk.publish_bulk(
        bulk.read_sources(s3, settings, uploaded), s3, store, settings, NOW
    )

    bulk_pages, bulk_items = snapshot(store)
    # Every generated post, a twin, the page, the posts with nested categories.
    assert outcomes["published"] == POSTS + 2 + len(_nested_categories())
    assert sorted(outcomes.elements()) == sorted(o if o != "published" else o for o in one_by_one)
    assert len(pages) == CRAWLED_PAGES  # posts, tags, categories, archives, feeds, sitemaps
    assert pages.keys() == bulk_pages.keys()
    assert [p for p in pages if pages[p] != bulk_pages[p]] == []
    assert pages["/old/shared/"][0] == 301
    assert "Reply" in next(body for _, body in pages.values() if "First!" in body)
    assert set(items) == set(bulk_items)
    assert [k for k in items if items[k] != bulk_items[k]] == []
    previews = {k for k in items if k[0].startswith("PREVIEW of")}
    assert previews == {
        ("PREVIEW of posts/zz-draft.md", "#"),
        ("PREVIEW of posts/zz-future.md", "#"),
    }


def test_claimed_sources_ignore_their_events(s3: Any, store: BlogStore, settings: Settings) -> None:
    """An S3 event that arrives before or after the load changes nothing and counts once."""
    files = {k: v for k, v in corpus().items() if k.startswith("posts/post-0000")}
    keys = sorted(files)
    etags = {key: bulk.md5_hex(body) for key, body in files.items() if key.endswith(".md")}
    assert bulk.bulk_candidates(store, keys) == {k for k in keys if k.endswith(".md")}
    bulk.claim(store, etags)
    for key, body in files.items():
        s3.put_object(Bucket=BUCKET_NAME, Key=key, Body=body)
    early = [sync_source(key, s3, store, settings, now=NOW) for key in etags]
    assert set(early) == {"unchanged"}
    assert list(store.table.query(ALL_POSTS)) == []

    bulk.publish_bulk(bulk.read_sources(s3, settings, keys), s3, store, settings, NOW)
    late = [sync_source(key, s3, store, settings, now=NOW) for key in etags]

    assert set(late) == {"unchanged"}
    assert len(list(store.table.query(ALL_POSTS))) == len(etags)
    months = [i for i in store.table.query(COUNTS) if i["sk"].startswith("month#")]
    assert sum(int(i["n"]) for i in months) == len(etags)
    index = store.maintenance.source_index()
    assert {k: v.etag for k, v in index.items()} == etags
    assert not any(store.table.get(source_item(k)).get("bulk_claim") for k in etags)
    assert bulk.bulk_candidates(store, ["posts/new.md"]) == set()  # posts exist: one by one


def test_a_failed_postings_write_stops_the_load_and_a_rerun_completes_it(
    s3: Any, store: BlogStore, settings: Settings
) -> None:
    """Postings go in the background; their failure is raised before any source item."""
    files = {k: v for k, v in corpus().items() if k.startswith("posts/post-0000")}
    etags = {key: bulk.md5_hex(body) for key, body in files.items() if key.endswith(".md")}
    bulk.claim(store, etags)
    for key, body in files.items():
        s3.put_object(Bucket=BUCKET_NAME, Key=key, Body=body)
    objects = bulk.read_sources(s3, settings, sorted(files))

    with fail_once(store.table.client, "BatchWriteItem", "TERM#"), pytest.raises(InjectedFailure):
        bulk.publish_bulk(objects, s3, store, settings, NOW)
    assert all(store.table.get(source_item(k)).get("bulk_claim") for k in etags)

    assert bulk.publish_bulk(objects, s3, store, settings, NOW)["published"] == len(etags)
    assert not any(store.table.get(source_item(k)).get("bulk_claim") for k in etags)
    assert len(list(store.table.query(ALL_POSTS))) == len(etags)


def test_released_claims_fall_back_to_one_at_a_time(
    s3: Any, store: BlogStore, settings: Settings
) -> None:
    draft = b"---\ntitle: Draft\ndate: 2020-01-01\ndraft: true\n---\nNo."
    bulk.claim(store, {"posts/draft.md": bulk.md5_hex(draft)})
    s3.put_object(Bucket=BUCKET_NAME, Key="posts/draft.md", Body=draft)

    outcomes = bulk.publish_bulk(
        bulk.read_sources(s3, settings, ["posts/draft.md"]), s3, store, settings, NOW
    )

    assert outcomes == {"published": 0, "draft": 1}
    assert list(store.table.query(SOURCE_INDEX)) == []


def test_import_publishes_new_posts_in_bulk(s3: Any, store: BlogStore, settings: Settings) -> None:
    events: dict[str, str] = {}

    def ingest(keys: list[str]) -> None:
        for key in keys:
            events.setdefault(key, sync_source(key, s3, store, settings))

    def run() -> ImportReport:
        report = ImportReport("test", BUCKET_NAME, datetime.now(UTC))
        options = ImportOptions(timeout=5, poll_seconds=0.05, settings=settings)
        return run_import(importing.site(), options, s3, store, report, ingest)

    report = run()

    counts = report.counts
    assert (counts[outcomes.PUBLISHED], counts[outcomes.SCHEDULED]) == (2, 1)
    assert events["posts/hello.md"] == "unchanged"  # published in bulk before the wait
    post = store.reads.get_post("2019/03/hello")
    assert post is not None and "<p>Nice</p>" in post.html
    assert sync_source("posts/hello.md", s3, store, settings) == "unchanged"
    head = s3.head_object(Bucket=BUCKET_NAME, Key="posts/hello.md")
    assert head["Metadata"] == {IMPORTED_FROM: "wordpress:1@old.example"}  # the bulk path's too
    items = table_items(store)
    assert run().counts[outcomes.UNCHANGED] == 4  # a rerun changes nothing
    assert table_items(store) == items


def test_old_addresses_held_elsewhere_stay_there_and_are_reported(
    s3: Any, store: BlogStore, settings: Settings
) -> None:
    """As one at a time: a page's address stays the page's; a later file's twin is told."""
    page = b"---\ntitle: About\naliases: [/about-me/]\n---\nMe."
    s3.put_object(Bucket=BUCKET_NAME, Key="pages/about.md", Body=page)
    assert sync_source("pages/about.md", s3, store, settings) == "published"
    files = {
        "posts/a.md": b"---\ntitle: A\ndate: 2020-01-01\naliases: [/shared/, /a/]\n---\nA.",
        "posts/b.md": b"---\ntitle: B\ndate: 2020-01-02\naliases: [/shared/, /about-me/]\n---\nB.",
    }
    bulk.claim(store, {key: bulk.md5_hex(body) for key, body in files.items()})
    for key, body in files.items():
        s3.put_object(Bucket=BUCKET_NAME, Key=key, Body=body)

    bulk.publish_bulk(bulk.read_sources(s3, settings, sorted(files)), s3, store, settings, NOW)

    assert store.reads.redirect("/about-me/") == RedirectTarget(page="about")
    assert store.reads.redirect("/shared/") == RedirectTarget(post_id="2020/01/a")
    assert store.reads.redirect("/a/") == RedirectTarget(post_id="2020/01/a")
    assert filed_report(s3, "posts/a.md") is None
    told = filed_report(s3, "posts/b.md")
    assert told is not None and told["published"] is True
    assert "/about-me/ (claimed by pages/about.md)" in told["reason"]
    assert "/shared/ (claimed by posts/a.md)" in told["reason"]
    assert store.reads.get_post("2020/01/b") is not None
