"""An import against the moto server, with ingest run as the pipeline would run it."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from blogctl.importing import report as outcomes
from blogctl.importing.model import ImportedComment, ImportedItem, ImportedSite, ImportedTerm
from blogctl.importing.report import ImportReport
from blogctl.importing.run import IMPORTED_FROM, ImportOptions, run_import
from chalicelib.config import Settings
from chalicelib.publishing.ingest import sync_source
from chalicelib.storage.keys import ALL_POSTS
from chalicelib.storage.records import RedirectTarget
from chalicelib.storage.store import BlogStore
from tests.helpers.local import BUCKET_NAME

NOW = datetime.now(UTC)
BASE = "https://old.example/wp-content/uploads/2019/03"
POST = ImportedItem(
    kind="post",
    origin="wordpress:1",
    title="Hello",
    slug="hello",
    date=datetime(2019, 3, 15, 9, 0, tzinfo=UTC),
    status="publish",
    markdown=f"![photo]({BASE}/photo-150x150.jpg) and [gone]({BASE}/gone.jpg)",
    tags=(ImportedTerm("News", "news"),),
    author="Ada",
    old_paths=("/2019/03/15/hello/",),
    comments=(ImportedComment("5", "", "Ann", datetime(2019, 3, 16, tzinfo=UTC), "Nice"),),
    media=(f"{BASE}/photo-150x150.jpg", f"{BASE}/gone.jpg"),
)
DRAFT = dataclasses.replace(
    POST, origin="wordpress:2", title="Secret", slug="secret", status="private", comments=()
)
FUTURE = dataclasses.replace(
    POST, origin="wordpress:3", title="Later", slug="later", status="future", comments=()
)
PAGE = ImportedItem("page", "wordpress:4", "About", "about", None, "publish", "About me.")
SOURCES = ["pages/about.md", "posts/hello.md", "posts/later.md", "posts/secret.md"]


class CountingS3:
    """An S3 client that remembers the keys it was asked to write."""

    def __init__(self, s3: Any) -> None:
        self._s3 = s3
        self.puts: list[str] = []

    def put_object(self, **kwargs: Any) -> Any:
        self.puts.append(kwargs["Key"])
        return self._s3.put_object(**kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._s3, name)


@pytest.fixture
def uploads(tmp_path: Path) -> Path:
    folder = tmp_path / "uploads" / "2019" / "03"
    folder.mkdir(parents=True)
    (folder / "photo.jpg").write_bytes(b"\xff\xd8 a photo")
    return tmp_path / "uploads"


def site(*items: ImportedItem, base_url: str = "https://old.example") -> ImportedSite:
    items = items or (POST, DRAFT, dataclasses.replace(FUTURE, date=NOW + timedelta(days=30)), PAGE)

    def read() -> Iterator[ImportedItem]:
        yield from items

    return ImportedSite("Old blog", base_url, read())


def run(
    s3: Any,
    store: BlogStore,
    settings: Settings,
    uploads: Path | None,
    *items: ImportedItem,
    base_url: str = "https://old.example",
    **options: Any,
) -> ImportReport:
    def ingest(keys: list[str]) -> None:
        for key in keys:
            sync_source(key, s3, store, settings)

    report = ImportReport("test", BUCKET_NAME, datetime.now(UTC), options.get("dry_run", False))
    chosen = ImportOptions(uploads, timeout=5, poll_seconds=0.05, **options)
    return run_import(site(*items, base_url=base_url), chosen, s3, store, report, ingest)


def bucket_keys(s3: Any) -> dict[str, str]:
    listing = s3.list_objects_v2(Bucket=BUCKET_NAME).get("Contents", [])
    return {entry["Key"]: entry["ETag"] for entry in listing}


def test_import_publishes_schedules_and_keeps_private(
    s3: Any, store: BlogStore, settings: Settings, uploads: Path
) -> None:
    counting = CountingS3(s3)
    report = run(counting, store, settings, uploads)
    # A post's comments are read when it is published: they go up first.
    puts = counting.puts
    assert puts.index("posts/hello.comments.json") < puts.index("posts/hello.md")

    counts = report.counts
    assert (counts[outcomes.PUBLISHED], counts[outcomes.SCHEDULED]) == (2, 1)
    assert (counts[outcomes.PRIVATE], counts[outcomes.REJECTED]) == (1, 0)
    assert (counts[outcomes.MEDIA_COPIED], counts[outcomes.MEDIA_MISSING]) == (1, 3)
    assert not report.failed
    keys = bucket_keys(s3)
    assert sorted(k for k in keys if k.endswith(".md")) == SOURCES
    assert [p.title for p in store.reads.list_posts(ALL_POSTS).posts] == ["Hello"]
    assert set(store.maintenance.source_index()) == {"posts/hello.md", "pages/about.md"}
    assert store.schedule.keys() == ["posts/later.md"]
    # The draft stays private even once the pipeline has seen it.
    assert sync_source("posts/secret.md", s3, store, settings) == "draft"
    assert "posts/secret.md" not in store.maintenance.source_index()

    comments = s3.get_object(Bucket=BUCKET_NAME, Key="posts/hello.comments.json")
    assert [c["author"] for c in json.loads(comments["Body"].read())] == ["Ann"]
    assert "posts/secret.comments.json" not in keys
    # The thumbnail was missing: the original took its place, under one folder level.
    photo = s3.get_object(Bucket=BUCKET_NAME, Key="media/imported-2019-03/photo.jpg")
    assert photo["Body"].read() == b"\xff\xd8 a photo"
    assert photo["ContentType"] == "image/jpeg"
    assert photo["Metadata"] == {IMPORTED_FROM: "uploads:2019/03/photo.jpg@old.example"}
    source = s3.get_object(Bucket=BUCKET_NAME, Key="posts/hello.md")
    assert source["Metadata"] == {IMPORTED_FROM: "wordpress:1@old.example"}
    body = source["Body"].read().decode()
    assert "![photo](../media/imported-2019-03/photo.jpg)" in body
    assert f"[gone]({BASE}/gone.jpg)" in body  # no file given: it stays, and is listed
    assert any("gone.jpg: not in the uploads folder" in line for line in report.attention)
    post = store.reads.get_post("2019/03/hello")
    assert post is not None and '../../../media/imported-2019-03/photo.jpg"' in post.html
    assert "<p>Nice</p>" in post.html and post.summary.author is not None

    saved = report.save(s3)
    assert saved.startswith("imports/") and saved.endswith(".txt")
    text = s3.get_object(Bucket=BUCKET_NAME, Key=saved)["Body"].read().decode()
    assert text == report.text() and "2 published" in text and "1 kept private" in text


def test_a_rerun_uploads_nothing_and_an_interrupted_run_resumes(
    s3: Any, store: BlogStore, settings: Settings, uploads: Path
) -> None:
    run(s3, store, settings, uploads)
    before = bucket_keys(s3)
    counting = CountingS3(s3)

    again = run(counting, store, settings, uploads)
    assert counting.puts == []
    assert again.counts[outcomes.UNCHANGED] == len(SOURCES)
    assert again.counts[outcomes.MEDIA_UNCHANGED] == 1
    assert again.counts[outcomes.PUBLISHED] == 2 and not again.failed
    assert bucket_keys(s3) == before

    # As if the first run had stopped before these two uploads.
    for key in ("posts/later.md", "media/imported-2019-03/photo.jpg"):
        s3.delete_object(Bucket=BUCKET_NAME, Key=key)
    resumed = run(counting, store, settings, uploads)
    assert sorted(counting.puts) == ["media/imported-2019-03/photo.jpg", "posts/later.md"]
    assert resumed.counts[outcomes.SCHEDULED] == 1
    assert bucket_keys(s3) == before


def test_a_changed_conversion_updates_the_imports_own_file(
    s3: Any, store: BlogStore, settings: Settings
) -> None:
    run(s3, store, settings, None, POST)
    changed = dataclasses.replace(POST, title="Hello again")
    report = run(s3, store, settings, None, changed)
    assert report.counts[outcomes.CLASH] == 0 and report.counts[outcomes.PUBLISHED] == 1
    assert [p.title for p in store.reads.list_posts(ALL_POSTS).posts] == ["Hello again"]


def test_a_clash_keeps_the_existing_file_unless_replace(
    s3: Any, store: BlogStore, settings: Settings
) -> None:
    mine = b"---\ntitle: Mine\ndate: 2020-01-01\n---\nMy own post.\n"
    s3.put_object(Bucket=BUCKET_NAME, Key="posts/hello.md", Body=mine)
    sync_source("posts/hello.md", s3, store, settings)

    report = run(s3, store, settings, None, POST, PAGE)
    assert report.failed and report.counts[outcomes.CLASH] == 1
    assert report.counts[outcomes.PUBLISHED] == 1  # the page
    assert any("posts/hello.md): clash: kept the existing file" in a for a in report.attention)
    assert s3.get_object(Bucket=BUCKET_NAME, Key="posts/hello.md")["Body"].read() == mine
    assert "posts/hello.comments.json" not in bucket_keys(s3)
    assert [p.title for p in store.reads.list_posts(ALL_POSTS).posts] == ["Mine"]

    replaced = run(s3, store, settings, None, POST, PAGE, replace=True)
    assert not replaced.failed and replaced.counts[outcomes.REPLACED] == 1
    assert replaced.counts[outcomes.PUBLISHED] == 2
    assert [p.title for p in store.reads.list_posts(ALL_POSTS).posts] == ["Hello"]
    assert "posts/hello.comments.json" in bucket_keys(s3)


def test_another_sites_export_clashes_with_the_first(
    s3: Any, store: BlogStore, settings: Settings, uploads: Path
) -> None:
    run(s3, store, settings, uploads, POST)
    # Site B has a post 1 with the same slug and a different photo at the same path.
    (uploads / "2019" / "03" / "photo.jpg").write_bytes(b"\xff\xd8 another photo")
    photo = "https://other.example/blog/wp-content/uploads/2019/03/photo.jpg"
    theirs = dataclasses.replace(POST, title="Other hello", markdown=f"![]({photo})", media=())
    report = run(s3, store, settings, uploads, theirs, base_url="https://other.example/blog")
    assert report.failed and report.counts[outcomes.CLASH] == 2
    kept = "clash: kept the file imported from wordpress:1@old.example"
    assert f"wordpress:1 (posts/hello.md): {kept} (--replace overwrites it)" in report.attention
    photo = s3.get_object(Bucket=BUCKET_NAME, Key="media/imported-2019-03/photo.jpg")
    assert photo["Body"].read() == b"\xff\xd8 a photo"
    assert [p.title for p in store.reads.list_posts(ALL_POSTS).posts] == ["Hello"]

    still = run(s3, store, settings, uploads, theirs, base_url="https://other.example/blog/")
    assert still.counts[outcomes.CLASH] == 2 and still.counts[outcomes.REPLACED] == 0
    replaced = run(
        s3, store, settings, uploads, theirs, base_url="https://other.example/blog", replace=True
    )
    assert not replaced.failed and replaced.counts[outcomes.REPLACED] == 2
    source = s3.head_object(Bucket=BUCKET_NAME, Key="posts/hello.md")
    assert source["Metadata"] == {IMPORTED_FROM: "wordpress:1@other.example/blog"}
    assert [p.title for p in store.reads.list_posts(ALL_POSTS).posts] == ["Other hello"]
    # Site B's rerun now updates its own file; site A's rerun would clash.
    again = run(
        s3,
        store,
        settings,
        uploads,
        dataclasses.replace(theirs, title="B2"),
        base_url="https://www.other.example/blog",
    )
    assert not again.failed and again.counts[outcomes.PUBLISHED] == 1


def test_an_old_address_another_post_holds_is_reported_and_the_post_published(
    s3: Any, store: BlogStore, settings: Settings
) -> None:
    mine = b"---\ntitle: Mine\ndate: 2020-01-01\naliases: [/2019/03/15/hello/]\n---\nMine.\n"
    s3.put_object(Bucket=BUCKET_NAME, Key="posts/mine.md", Body=mine)
    sync_source("posts/mine.md", s3, store, settings)

    report = run(s3, store, settings, None, dataclasses.replace(POST, comments=()))
    assert not report.failed and report.counts[outcomes.PUBLISHED] == 1
    [line] = [a for a in report.attention if "posts/hello.md" in a and "old addresses" in a]
    assert "/2019/03/15/hello/ (claimed by posts/mine.md)" in line
    assert store.reads.redirect("/2019/03/15/hello/") == RedirectTarget(post_id="2020/01/mine")
    titles = [p.title for p in store.reads.list_posts(ALL_POSTS).posts]
    assert titles == ["Mine", "Hello"]


def test_dry_run_writes_nothing(
    s3: Any, store: BlogStore, settings: Settings, uploads: Path
) -> None:
    counting = CountingS3(s3)
    report = run(counting, store, settings, uploads, dry_run=True)
    assert counting.puts == [] and bucket_keys(s3) == {}
    assert (report.counts[outcomes.PUBLISHED], report.counts[outcomes.PRIVATE]) == (2, 1)
    assert report.counts[outcomes.MEDIA_COPIED] == 1
    assert "dry run: nothing was written" in report.text()


def test_what_the_pipeline_or_the_writer_rejects_is_reported(
    s3: Any, store: BlogStore, settings: Settings
) -> None:
    small = dataclasses.replace(settings, max_post_bytes=2_000)
    undated = dataclasses.replace(POST, origin="wordpress:9", slug="undated", date=None)
    big = dataclasses.replace(POST, origin="wordpress:8", slug="big", markdown="word " * 1000)
    report = run(s3, store, small, None, big, undated, PAGE)
    assert report.failed and report.counts[outcomes.REJECTED] == 2
    assert report.counts[outcomes.PUBLISHED] == 1
    text = report.text()
    assert "wordpress:8 (posts/big.md): rejected: file is" in text
    assert "wordpress:9: rejected: a public post without a date" in text
    assert "posts/undated.md" not in bucket_keys(s3)


def test_without_a_pipeline_the_wait_times_out(
    s3: Any, store: BlogStore, settings: Settings
) -> None:
    report = ImportReport("test", BUCKET_NAME, datetime.now(UTC))
    options = ImportOptions(timeout=0.2, poll_seconds=0.05)
    run_import(site(POST), options, s3, store, report)
    assert report.failed and report.counts[outcomes.WAITING] == 1
    assert "no outcome after 0.2 s" in report.text()
