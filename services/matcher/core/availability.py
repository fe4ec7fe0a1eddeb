"""Weekly availability as minutes of one concrete UTC week, so people in different timezones can
be compared, daylight saving included.

Each person's ranges are laid on the real local dates around the reference week (every date
with its own UTC offset, so a week that crosses a DST switch comes out right), converted to UTC
and clipped to [Monday 00:00 UTC, next Monday 00:00 UTC). Local times that do not exist or
occur twice at a switch resolve as PEP 495 says for `fold=0`.
"""

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from shared.profile import TimeRange, Weekday

MINUTES_PER_WEEK = 7 * 24 * 60

Interval = tuple[int, int]
Windows = tuple[Interval, ...]
"""Sorted, disjoint, non-touching [start, end) minutes after Monday 00:00 UTC."""

_WEEKDAYS = list(Weekday)


def monday_of(day: date) -> date:
    """The Monday that starts the week containing `day`."""
    return day - timedelta(days=day.weekday())


def coming_monday(today: date) -> date:
    """The Monday after `today`: the week a proposal made today is for."""
    return monday_of(today) + timedelta(days=7)


def utc_windows(
    availability: Mapping[Weekday, Sequence[TimeRange]], timezone: str, week_of: date
) -> Windows:
    """The availability within the UTC week that starts on the Monday of `week_of`."""
    monday = monday_of(week_of)
    found: list[Interval] = []
    for shift in range(-1, 8):  # local dates from the Sunday before to the Monday after
        day = monday + timedelta(days=shift)
        for time_range in availability.get(_WEEKDAYS[day.weekday()], ()):
            start = max(_utc_minute(timezone, day, time_range.start, monday), 0)
            end = min(_utc_minute(timezone, day, time_range.end, monday), MINUTES_PER_WEEK)
            if start < end:
                found.append((start, end))
    return merge(found)


def merge(intervals: Iterable[Interval]) -> Windows:
    """Sorted union of intervals; touching intervals join."""
    merged: list[Interval] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return tuple(merged)


def overlap_minutes(a: Windows, b: Windows) -> int:
    """Minutes both are available (a two-pointer walk over the sorted windows)."""
    total, i, j = 0, 0, 0
    while i < len(a) and j < len(b):
        total += max(0, min(a[i][1], b[j][1]) - max(a[i][0], b[j][0]))
        if a[i][1] <= b[j][1]:
            i += 1
        else:
            j += 1
    return total


@lru_cache(maxsize=65536)
def _utc_minute(timezone: str, day: date, minute: int, monday: date) -> int:
    """Minutes from Monday 00:00 UTC to `minute` after local midnight of `day` (24:00 included)."""
    local = datetime(day.year, day.month, day.day) + timedelta(minutes=minute)
    instant = local.replace(tzinfo=ZoneInfo(timezone)).astimezone(UTC)
    start = datetime(monday.year, monday.month, monday.day, tzinfo=UTC)
    return int((instant - start).total_seconds()) // 60
