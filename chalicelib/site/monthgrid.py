"""The sidebar's month calendar, as a grid of weeks. Pure."""

from __future__ import annotations

import calendar
from dataclasses import dataclass


@dataclass(frozen=True)
class MonthCalendar:
    """A month laid out Monday-first; ``None`` pads days of other months."""

    year: int
    month: int
    weeks: tuple[tuple[int | None, ...], ...]
    days_with_posts: frozenset[int]
    previous: tuple[int, int] | None
    next: tuple[int, int] | None

    @property
    def caption(self) -> str:
        """Return the month's name and year, e.g. "January 2011"."""
        return f"{calendar.month_name[self.month]} {self.year}"


def build_calendar(
    year: int, month: int, days_with_posts: set[int], months_with_posts: list[str]
) -> MonthCalendar:
    """Lay out a month and find the nearest earlier and later months that have posts."""
    current = f"{year:04d}-{month:02d}"
    earlier = [m for m in months_with_posts if m < current]
    later = [m for m in months_with_posts if m > current]
    weeks = calendar.Calendar(firstweekday=0).monthdayscalendar(year, month)
    return MonthCalendar(
        year=year,
        month=month,
        weeks=tuple(tuple(day or None for day in week) for week in weeks),
        days_with_posts=frozenset(days_with_posts),
        previous=_year_month(max(earlier)) if earlier else None,
        next=_year_month(min(later)) if later else None,
    )


def _year_month(value: str) -> tuple[int, int]:
    year, month = value.split("-")
    return int(year), int(month)
