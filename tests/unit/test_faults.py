"""LOCAL_FAULTS: how the local stack is told to misbehave, and how events are planned."""

from __future__ import annotations

from typing import Any

import pytest

from devtools.faults import EventFaults, FaultPlan, parse_faults


def record(key: str) -> dict[str, Any]:
    return {"eventName": "ObjectCreated:Put", "s3": {"object": {"key": key}}}


def test_the_documented_example_parses() -> None:
    plan = parse_faults("drop=0.2,duplicate=0.3,reorder=1,delay=2,dynamodb_errors=0.05")
    assert plan == FaultPlan(drop=0.2, duplicate=0.3, reorder=1, delay=2, dynamodb_errors=0.05)
    assert plan.active and not parse_faults("").active and not parse_faults("seed=3").active


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("lose=0.1", "not one of"),
        ("drop", "not one of"),
        ("drop=often", "needs a number"),
        ("drop=1.5", "out of range"),
        ("delay=-1", "out of range"),
    ],
)
def test_mistakes_are_named(text: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        parse_faults(text)


def test_every_event_is_delivered_once_without_faults() -> None:
    faults = EventFaults(FaultPlan(), clock=lambda: 100.0)
    planned = faults.deliveries([record("a"), record("b")])
    assert [(due, r["s3"]["object"]["key"]) for due, r in planned] == [(100.0, "a"), (100.0, "b")]


def test_drops_and_duplicates_happen_at_their_rates() -> None:
    faults = EventFaults(FaultPlan(drop=0.2, duplicate=0.3, seed=7), clock=lambda: 0.0)
    planned = faults.deliveries(record(str(i)) for i in range(2000))
    counts = faults.counts
    assert 300 < counts["dropped"] < 500
    assert 400 < counts["duplicated"] < 560
    assert len(planned) == counts["delivered"] == 2000 - counts["dropped"] + counts["duplicated"]


def test_delay_and_reorder_change_the_order_within_the_bound() -> None:
    faults = EventFaults(FaultPlan(reorder=1, delay=2, seed=1), clock=lambda: 10.0)
    planned = faults.deliveries(record(str(i)) for i in range(50))
    assert all(10.0 <= due <= 12.0 for due, _ in planned)
    keys = [r["s3"]["object"]["key"] for _, r in planned]
    assert sorted(keys, key=int) == [str(i) for i in range(50)] != keys
