"""BlogStore against the moto server over HTTP: writes, listings and exact counts."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.config import Settings
from chalicelib.models import Post
from chalicelib.publishing.build import build_post
from chalicelib.publishing.parsing import SourceDocument
from chalicelib.storage.keys import ALL_POSTS, category_listing, tag_listing
from chalicelib.storage.records import SlugTakenError, SourceVersion
from chalicelib.storage.store import BlogStore
from tests.helpers.posts import UPLOAD_TIME, make_post_markdown
from tests.helpers.store_views import days_with_posts, term_counts

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def post(settings: Settings, key: str, title: str, date: str, tags=None, categories=None) -> Post:
    text = make_post_markdown(title, date, tags, categories)
    return build_post(SourceDocument(key, text.encode(), UPLOAD_TIME), settings)


def version(etag: str, seconds: int = 0) -> SourceVersion:
    return SourceVersion(etag, T0 + timedelta(seconds=seconds))


def counts(store: BlogStore) -> tuple[dict[str, int], dict[str, int], list[str]]:
    categories, tags, months = term_counts(store)
    return (
        {c.term.key: c.count for c in categories},
        {t.term.key: t.count for t in tags},
        months,
    )


def test_save_publishes_post_listings_and_counts(store: BlogStore, settings: Settings) -> None:
    p = post(settings, "posts/a.md", "A", "2026-08-11T20:40:00", ["AWS", "Python"], ["Eng"])
    assert store.sources.save_post(p, version("e1")) is True

    stored = store.reads.get_post("2026/08/a")
    assert stored is not None and stored.summary.title == "A" and "Body text." in stored.html
    assert [s.post_id for s in store.reads.list_posts(ALL_POSTS).posts] == ["2026/08/a"]
    assert [s.post_id for s in store.reads.list_posts(tag_listing("aws")).posts] == ["2026/08/a"]
    assert [s.post_id for s in store.reads.list_posts(category_listing("eng")).posts] == [
        "2026/08/a"
    ]
    assert counts(store) == ({"eng": 1}, {"aws": 1, "python": 1}, ["2026-08"])
    assert days_with_posts(store, 2026, 8) == {11}


def test_update_moves_the_post_and_adjusts_counts(store: BlogStore, settings: Settings) -> None:
    store.sources.save_post(
        post(settings, "posts/a.md", "A", "2026-08-11", ["x", "y"], ["c1"]), version("e1")
    )
    moved = post(settings, "posts/a.md", "A2", "2026-09-02", ["y", "z"], ["c2"])
    assert store.sources.save_post(moved, version("e2", 1)) is True

    assert store.reads.get_post("2026/08/a") is None
    assert store.reads.get_post("2026/09/a") is not None
    assert store.reads.list_posts(tag_listing("x")).posts == ()
    assert [s.title for s in store.reads.list_posts(tag_listing("y")).posts] == ["A2"]
    assert counts(store) == ({"c2": 1}, {"y": 1, "z": 1}, ["2026-09"])
    assert days_with_posts(store, 2026, 8) == set()
    assert days_with_posts(store, 2026, 9) == {2}


def test_same_or_older_version_changes_nothing(store: BlogStore, settings: Settings) -> None:
    first = post(settings, "posts/a.md", "New", "2026-08-11", ["x"])
    store.sources.save_post(first, version("new", 10))
    assert store.sources.save_post(first, version("new", 10)) is False
    older = post(settings, "posts/a.md", "Old", "2026-08-11", ["y"])
    assert store.sources.save_post(older, version("old", 5)) is False
    assert [s.title for s in store.reads.list_posts(ALL_POSTS).posts] == ["New"]
    assert counts(store)[1] == {"x": 1}


def test_remove_unpublishes_everywhere(store: BlogStore, settings: Settings) -> None:
    store.sources.save_post(
        post(settings, "posts/a.md", "A", "2026-08-11", ["x"], ["c"]), version("e1")
    )
    assert store.sources.remove_post("posts/a.md") is True
    assert store.sources.remove_post("posts/a.md") is False
    assert store.reads.get_post("2026/08/a") is None
    assert store.reads.list_posts(ALL_POSTS).posts == ()
    assert counts(store) == ({}, {}, [])
    assert store.sources.get_source("posts/a.md") is None


def test_second_file_cannot_take_a_published_permalink(
    store: BlogStore, settings: Settings
) -> None:
    store.sources.save_post(post(settings, "posts/a.md", "Original", "2026-08-11"), version("e1"))
    intruder = post(settings, "posts/b.md", "Intruder", "2026-08-20")
    intruder = Post(**{**intruder.__dict__, "slug": "a"})
    with pytest.raises(SlugTakenError, match="already published from posts/a.md"):
        store.sources.save_post(intruder, version("e2"))
    stored = store.reads.get_post("2026/08/a")
    assert stored is not None and stored.summary.title == "Original"
    assert store.sources.get_source("posts/b.md") is None


@pytest.mark.slow
def test_pagination_walks_older_and_newer(store: BlogStore, settings: Settings) -> None:
    for day in range(1, 26):
        p = post(settings, f"posts/p{day:02d}.md", f"P{day}", f"2026-03-{day:02d}", ["t"])
        store.sources.save_post(p, version(f"e{day}"))
    first = store.reads.list_posts(ALL_POSTS, limit=10)
    assert [p.title for p in first.posts] == [f"P{d}" for d in range(25, 15, -1)]
    assert first.newer is None and first.older is not None

    second = store.reads.list_posts(ALL_POSTS, before=first.older, limit=10)
    assert [p.title for p in second.posts] == [f"P{d}" for d in range(15, 5, -1)]
    third = store.reads.list_posts(ALL_POSTS, before=second.older, limit=10)
    assert [p.title for p in third.posts] == [f"P{d}" for d in range(5, 0, -1)]
    assert third.older is None

    back = store.reads.list_posts(ALL_POSTS, after=third.newer, limit=10)
    assert [p.title for p in back.posts] == [p.title for p in second.posts]
    assert store.reads.list_posts(ALL_POSTS, after=back.newer, limit=10) == first


def test_date_prefixes_select_archives(store: BlogStore, settings: Settings) -> None:
    for key, date in [("a", "2025-12-31T23:59:59"), ("b", "2026-01-01"), ("c", "2026-01-15")]:
        store.sources.save_post(post(settings, f"posts/{key}.md", key, date), version(key))
    assert [p.title for p in store.reads.list_posts(ALL_POSTS, "2026-").posts] == ["c", "b"]
    assert [p.title for p in store.reads.list_posts(ALL_POSTS, "2026-01-15T").posts] == ["c"]
    assert [p.title for p in store.reads.list_posts(ALL_POSTS, "2025-12-").posts] == ["a"]


def test_neighbour_links_follow_inserts_moves_and_deletes(
    store: BlogStore, settings: Settings
) -> None:
    days = [5, 1, 9, 3, 7, 2, 8]
    for n, day in enumerate(days):
        store.sources.save_post(
            post(settings, f"posts/{n}.md", f"p{n}", f"2026-01-{day:02d}"), version(str(n))
        )
    assert_links_match_listing(store)
    store.sources.save_post(post(settings, "posts/2.md", "p2", "2025-12-30"), version("moved"))
    assert_links_match_listing(store)
    store.sources.remove_post("posts/0.md")
    store.sources.remove_post("posts/1.md")
    assert_links_match_listing(store)
    p3 = next(s for s in store.reads.all_posts(ALL_POSTS) if s.title == "p3")
    stored = store.reads.get_post(p3.post_id)
    assert stored is not None and stored.older is not None and stored.newer is not None
    assert (stored.older.title, stored.newer.title) == ("p5", "p4")


def assert_links_match_listing(store: BlogStore) -> None:
    """Every post's stored older/newer links name its neighbours in the listing."""
    ordered = list(reversed(list(store.reads.all_posts(ALL_POSTS))))
    for i, summary in enumerate(ordered):
        stored = store.reads.get_post(summary.post_id)
        assert stored is not None
        older = ordered[i - 1].post_id if i > 0 else None
        newer = ordered[i + 1].post_id if i + 1 < len(ordered) else None
        assert (stored.older and stored.older.post_id, stored.newer and stored.newer.post_id) == (
            older,
            newer,
        ), summary.post_id


@pytest.mark.slow
def test_counts_stay_exact_through_random_edits(store: BlogStore, settings: Settings) -> None:
    rng = random.Random(7)
    tags, categories = ["a", "b", "c", "d"], ["x", "y"]
    live: dict[str, Post] = {}
    for step in range(40):
        key = f"posts/p{rng.randrange(8)}.md"
        if key in live and rng.random() < 0.3:
            store.sources.remove_post(key)
            del live[key]
            continue
        p = post(
            settings,
            key,
            f"T{step}",
            f"2026-0{rng.randrange(1, 4)}-1{rng.randrange(0, 9)}",
            rng.sample(tags, rng.randrange(0, 4)),
            rng.sample(categories, rng.randrange(0, 3)),
        )
        store.sources.save_post(p, version(f"s{step}", step))
        live[key] = p

    expected_tags = Counter(t.key for p in live.values() for t in p.tags)
    expected_categories = Counter(c.key for p in live.values() for c in p.categories)
    expected_months = sorted({f"{p.published:%Y-%m}" for p in live.values()})
    assert counts(store) == (dict(expected_categories), dict(expected_tags), expected_months)
    listed = {s.post_id for s in store.reads.list_posts(ALL_POSTS, limit=100).posts}
    assert listed == {p.post_id for p in live.values()}
    for p in live.values():
        assert days_with_posts(store, p.published.year, p.published.month) >= {p.published.day}
    assert_links_match_listing(store)
