"""Subscriber storage against the emulator: its conditions hold under concurrent requests."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from chalicelib.storage.store import BlogStore
from chalicelib.storage.subscriber_keys import subscriber_id
from chalicelib.storage.subscribers import ConfirmationRequest, Subscribers
from chalicelib.storage.transactions import WritableTable
from tests.helpers.local import TABLE_NAME

START = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
READER = "reader@example.org"


class Clock:
    """A clock a test moves by hand."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def subs(aws_resources: dict[str, Any], clock: Clock) -> Subscribers:
    return Subscribers(WritableTable(aws_resources["dynamodb"], TABLE_NAME), clock)


def sent(requests: list[ConfirmationRequest]) -> int:
    return sum(r.confirm_token is not None for r in requests)


def test_concurrent_submissions_of_one_address_mail_it_once(subs: Subscribers) -> None:
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda _: subs.request_confirmation(READER, 100), range(8)))
    assert sent(results) == 1
    assert {r.reason for r in results} <= {"send", "recently sent", "race"}


def test_one_confirmation_a_day_then_a_new_link(subs: Subscribers, clock: Clock) -> None:
    first = subs.request_confirmation(READER, 100)
    clock.now += timedelta(hours=23, minutes=59)
    assert subs.request_confirmation(READER, 100).reason == "recently sent"
    clock.now += timedelta(minutes=2)
    second = subs.request_confirmation(READER, 100)
    assert first.confirm_token and second.confirm_token
    assert not subs.is_confirm_token(first.confirm_token)
    assert subs.confirm(first.confirm_token) is None
    confirmed = subs.confirm(second.confirm_token)
    assert confirmed is not None and confirmed.state == "confirmed"


def test_the_hourly_cap_holds_under_concurrency_and_resets_next_hour(
    subs: Subscribers, clock: Clock
) -> None:
    addresses = [f"reader{n}@example.org" for n in range(10)]
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda a: subs.request_confirmation(a, 4), addresses))
    assert sent(results) == 4
    assert sorted(r.reason for r in results) == ["hourly cap"] * 6 + ["send"] * 4
    # A refused address never takes a slot: the cap counts mails, not submissions.
    clock.now += timedelta(hours=1)
    mailed = addresses[next(i for i, r in enumerate(results) if r.confirm_token)]
    for _ in range(3):
        assert subs.request_confirmation(mailed, 1).reason == "recently sent"
    assert subs.request_confirmation("late@example.org", 1).reason == "send"


def test_states_move_between_lists_and_counts(subs: Subscribers) -> None:
    token = subs.request_confirmation(READER, 100).confirm_token
    assert token is not None
    assert subs.counts() == {"pending": 1, "confirmed": 0, "unsubscribed": 0, "suppressed": 0}
    subscriber = subs.confirm(token)
    assert subscriber is not None and subscriber.state == "confirmed"
    assert subs.counts()["confirmed"] == 1 and subs.counts()["pending"] == 0
    left = subs.unsubscribe(subscriber.unsubscribe_token)
    assert left is not None and left.state == "unsubscribed"
    assert subs.unsubscribe(subscriber.unsubscribe_token) == left  # again: no change
    assert subs.counts() == {"pending": 0, "confirmed": 0, "unsubscribed": 1, "suppressed": 0}
    assert [s.subscriber_id for s in subs.listed("unsubscribed")] == [subscriber_id(READER)]


def test_suppressed_is_final_even_for_an_unknown_address(subs: Subscribers) -> None:
    subs.suppress("Complainer@Example.org", "complaint")
    assert subs.request_confirmation("complainer@example.org", 100).reason == "suppressed"
    token = subs.request_confirmation(READER, 100).confirm_token
    assert token is not None
    subs.suppress(READER, "hard bounce")
    subs.suppress(READER, "hard bounce")  # a duplicate notification changes nothing
    assert subs.confirm(token) is None  # the pending link ended with the suppression
    found = subs.get(subscriber_id(READER))
    assert found is not None and found.state == "suppressed"
    assert subs.unsubscribe(found.unsubscribe_token) == found
    assert subs.counts()["suppressed"] == 2


def test_confirmed_pages_list_everyone_once_in_id_order(subs: Subscribers) -> None:
    addresses = [f"r{n}@example.org" for n in range(23)]
    assert all(subs.add(a, confirmed=True) for a in addresses)
    assert not subs.add(addresses[0], confirmed=False)  # known: left as it is
    subs.add("pending@example.org", confirmed=False)
    seen, cursor = [], None
    while True:
        page, cursor = subs.confirmed(cursor, 10)
        seen.extend(page)
        if cursor is None:
            break
    assert [s.subscriber_id for s in seen] == sorted(subscriber_id(a) for a in addresses)
    assert {s.address for s in seen} == set(addresses)
    assert all(s.state == "confirmed" and len(s.unsubscribe_token) >= 22 for s in seen)


def test_a_wipe_keeps_the_subscribers(subs: Subscribers, aws_resources: dict[str, Any]) -> None:
    subs.add(READER, confirmed=True)
    BlogStore(aws_resources["dynamodb"], TABLE_NAME).maintenance.wipe()
    assert subs.counts()["confirmed"] == 1
    found = subs.get(subscriber_id(READER))
    assert found is not None and subs.is_unsubscribe_token(found.unsubscribe_token)
