"""The sidebar's month calendar, as a grid of weeks. Pure."""

from __future__ import annotations

import calendar
from dataclasses import dataclass, replace

# Weekdays are numbered as WordPress's start_of_week setting numbers them. Their labels,
# in the blog's language, are chalicelib.i18n's weekday_labels.
SUNDAY = 0


@dataclass(frozen=True)
class MonthCalendar:
    """A month laid out in weeks from ``first_weekday`` (0 = Sunday ... 6 = Saturday)."""

    year: int
    month: int
    days_with_posts: frozenset[int]
    previous: tuple[int, int] | None
    next: tuple[int, int] | None
    first_weekday: int = SUNDAY

    @property
    def weeks(self) -> tuple[tuple[int | None, ...], ...]:
        """Return the month's weeks; ``None`` pads the days of other months."""
        # Python's calendar numbers Monday 0, WordPress Sunday 0.
        grid = calendar.Calendar(firstweekday=(self.first_weekday - 1) % 7)
        weeks = grid.monthdayscalendar(self.year, self.month)
        return tuple(tuple(day or None for day in week) for week in weeks)

    def starting_on(self, first_weekday: int) -> MonthCalendar:
        """Return the same month with its weeks starting on another weekday."""
        return replace(self, first_weekday=first_weekday % 7)


def build_calendar(
    year: int, month: int, days_with_posts: set[int], months_with_posts: list[str]
) -> MonthCalendar:
    """Lay out a month and find the nearest earlier and later months that have posts."""
    current = f"{year:04d}-{month:02d}"
    earlier = [m for m in months_with_posts if m < current]
    later = [m for m in months_with_posts if m > current]
    return MonthCalendar(
        year=year,
        month=month,
        days_with_posts=frozenset(days_with_posts),
        previous=_year_month(max(earlier)) if earlier else None,
        next=_year_month(min(later)) if later else None,
    )


def _year_month(value: str) -> tuple[int, int]:
    year, month = value.split("-")
    return int(year), int(month)
