"""Pure helpers of the read path: calendar, URLs, cursors, tag cloud, link prefixes."""

from __future__ import annotations

from dataclasses import replace

import pytest

from chalicelib.config import Settings, load_settings
from chalicelib.models import Term, TermCount
from chalicelib.publishing.layout import tag_cloud
from chalicelib.site import urls
from chalicelib.site.http import link_prefix
from chalicelib.site.monthgrid import build_calendar
from chalicelib.site.views import Cursor

CURSOR = "2026-08-11T20:40:00#2026/08/slug"
SETTINGS = Settings(table_name="t", bucket_name="b")


def test_calendar_lays_out_a_month_sunday_first_by_default() -> None:
    cal = build_calendar(2026, 11, {3, 12}, ["2026-08", "2026-10", "2026-11", "2027-02"])
    # 1 November 2026 is a Sunday: WordPress's default calendar starts its first row there.
    assert cal.first_weekday == 0
    assert cal.weeks[0] == (1, 2, 3, 4, 5, 6, 7)
    assert cal.weeks[-1] == (29, 30, None, None, None, None, None)
    assert cal.days_with_posts == {3, 12}
    assert cal.previous == (2026, 10)
    assert cal.next == (2027, 2)


@pytest.mark.parametrize(
    ("first", "first_week"),
    [
        (1, (None, None, None, None, None, None, 1)),
        (6, (None, 1, 2, 3, 4, 5, 6)),
        (3, (None, None, None, None, 1, 2, 3)),
    ],
)
def test_calendar_weeks_start_on_the_chosen_weekday(
    first: int, first_week: tuple[int | None, ...]
) -> None:
    cal = build_calendar(2026, 11, set(), ["2026-11"]).starting_on(first)
    assert cal.weeks[0] == first_week
    assert [day for week in cal.weeks for day in week if day] == list(range(1, 31))


@pytest.mark.parametrize(
    ("value", "expected"), [("", 0), ("0", 0), ("1", 1), ("6", 6), ("7", 0), ("-1", 0), ("x", 0)]
)
def test_start_of_week_setting_takes_0_to_6(
    value: str, expected: int, caplog: pytest.LogCaptureFixture
) -> None:
    environ = {"START_OF_WEEK": value} if value else {}
    assert load_settings(environ).start_of_week == expected
    assert ("START_OF_WEEK" in caplog.text) == (value not in ("", "0", "1", "6"))


def test_calendar_without_neighbours() -> None:
    cal = build_calendar(2026, 8, set(), ["2026-08"])
    assert cal.previous is None and cal.next is None


def test_urls_are_percent_encoded() -> None:
    assert urls.post_path("2026/09/東京の秋") == "/2026/09/%E6%9D%B1%E4%BA%AC%E3%81%AE%E7%A7%8B/"
    assert urls.tag_path("c++") == "/tag/c%2B%2B/"
    assert urls.category_path("a b") == "/category/a%20b/"
    assert urls.archive_path(2026, 1, 5) == "/2026/01/05/"
    assert urls.archive_path(2026) == "/2026/"
    assert urls.with_query("/", before="a#b", after=None) == "/?before=a%23b"
    assert urls.with_query("/x/") == "/x/"


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"before": CURSOR}, Cursor(before=CURSOR)),
        ({"after": CURSOR}, Cursor(after=CURSOR)),
        ({"before": "garbage"}, Cursor()),
        ({"before": CURSOR + "'; DROP"}, Cursor()),
        ({}, Cursor()),
    ],
)
def test_cursor_accepts_only_well_formed_sort_keys(
    params: dict[str, str], expected: Cursor
) -> None:
    assert Cursor.from_query(params) == expected


def test_tag_cloud_weights_by_log_count() -> None:
    counts = [
        TermCount(Term("b", "B"), 1),
        TermCount(Term("a", "A"), 16),
        TermCount(Term("c", "c"), 4),
    ]
    cloud = tag_cloud(counts)
    assert [(t.term.key, t.weight) for t in cloud] == [("a", 5), ("b", 1), ("c", 3)]
    assert tag_cloud([TermCount(Term("x", "x"), 1)])[0].weight == 1
    assert tag_cloud([]) == []


# What API Gateway puts in the request context of the default execute-api host.
API_CONTEXT = {"stage": "api", "domainName": "abc123.execute-api.us-east-1.amazonaws.com"}


def test_link_prefix_on_execute_api_host_carries_the_stage() -> None:
    headers = {"host": "abc123.execute-api.us-east-1.amazonaws.com"}
    assert link_prefix(headers, API_CONTEXT, SETTINGS) == "/api"


def test_link_prefix_on_custom_domain_uses_base_path() -> None:
    custom = {"stage": "api", "domainName": "blog.example.org"}
    assert link_prefix({"host": "blog.example.org"}, custom, SETTINGS) == ""
    with_base = replace(SETTINGS, base_path="/blog")
    assert link_prefix({"host": "example.org"}, custom, with_base) == "/blog"


def test_link_prefix_behind_a_trusted_cloudfront_drops_the_stage() -> None:
    headers = {
        "host": "abc123.execute-api.us-east-1.amazonaws.com",
        "x-forwarded-host": "blog.example.org",
    }
    trusted = replace(
        SETTINGS, trust_forwarded_headers=True, allowed_hosts=frozenset({"blog.example.org"})
    )
    assert link_prefix(headers, API_CONTEXT, trusted) == ""


@pytest.mark.parametrize(
    ("trusted", "allowed"), [(False, {"blog.example.org"}), (True, set()), (False, set())]
)
def test_link_prefix_ignores_an_untrusted_or_unknown_forwarded_host(
    trusted: bool, allowed: set[str]
) -> None:
    headers = {
        "host": "abc123.execute-api.us-east-1.amazonaws.com",
        "x-forwarded-host": "blog.example.org",
    }
    settings = replace(SETTINGS, trust_forwarded_headers=trusted, allowed_hosts=frozenset(allowed))
    assert link_prefix(headers, API_CONTEXT, settings) == "/api"
