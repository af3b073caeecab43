"""Many writers at once against the moto server: nothing lost, every count exact."""

from __future__ import annotations

import random
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from chalicelib.config import Settings
from chalicelib.publishing.ingest import sync_source
from chalicelib.storage.keys import ALL_POSTS
from chalicelib.storage.store import BlogStore
from tests.helpers.local import BUCKET_NAME
from tests.helpers.posts import make_post_markdown
from tests.helpers.store_views import days_with_posts, term_counts

pytestmark = pytest.mark.slow

UPLOADS = 200
WORKERS = 32


def test_two_hundred_simultaneous_uploads(s3: Any, store: BlogStore, settings: Settings) -> None:
    rng = random.Random(200)
    posts = {
        f"posts/c{i:03d}.md": (
            rng.sample([f"tag{n}" for n in range(10)], rng.randint(1, 3)),
            [f"cat{rng.randrange(5)}"],
            f"2026-{rng.randint(1, 3):02d}-{rng.randint(1, 28):02d}T{rng.randrange(24):02d}:00:00",
        )
        for i in range(UPLOADS)
    }

    def upload_and_ingest(key: str) -> str:
        tags, categories, date = posts[key]
        text = make_post_markdown(key, date, tags, categories)
        s3.put_object(Bucket=BUCKET_NAME, Key=key, Body=text.encode())
        return sync_source(key, s3, store, settings)

    with ThreadPoolExecutor(WORKERS) as pool:
        outcomes = Counter(pool.map(upload_and_ingest, posts))
    assert outcomes == {"published": UPLOADS}

    listed = store.reads.list_posts(ALL_POSTS, limit=UPLOADS + 10).posts
    assert len(listed) == UPLOADS
    categories, tags, months = term_counts(store)
    assert {c.term.key: c.count for c in categories} == Counter(
        c for _, cats, _ in posts.values() for c in cats
    )
    assert {t.term.key: t.count for t in tags} == Counter(
        t for tag_list, _, _ in posts.values() for t in tag_list
    )
    assert months == ["2026-01", "2026-02", "2026-03"]
    days = Counter(date[:10] for _, _, date in posts.values())
    for month in (1, 2, 3):
        expected = {int(day[8:]) for day in days if day.startswith(f"2026-{month:02d}")}
        assert days_with_posts(store, 2026, month) == expected


def test_concurrent_updates_of_one_post_converge_on_the_newest(
    s3: Any, store: BlogStore, settings: Settings
) -> None:
    key = "posts/contended.md"
    versions = 30

    def ingest(_: int) -> str:
        return sync_source(key, s3, store, settings)

    with ThreadPoolExecutor(8) as pool:
        pending = []
        for n in range(versions):
            text = make_post_markdown(f"Version {n}", "2026-05-05", [f"v{n % 3}"])
            s3.put_object(Bucket=BUCKET_NAME, Key=key, Body=text.encode())
            pending.append(pool.submit(ingest, n))
        for future in pending:
            future.result()

    [summary] = store.reads.list_posts(ALL_POSTS).posts
    assert summary.title == f"Version {versions - 1}"
    _, tags, _ = term_counts(store)
    assert [(t.term.key, t.count) for t in tags] == [(f"v{(versions - 1) % 3}", 1)]
