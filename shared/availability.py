"""Weekly availability laid on real instants: the one arithmetic the matcher and the notifier share.

The matcher asks how many minutes two people have in common in one concrete UTC week
(`utc_windows`, `overlap_minutes`); the notifier asks for their first common meeting slot
(`earliest_common_slot`). Both expand each person's weekly ranges day by day in their own
timezone (`free_intervals`), so a week that crosses a daylight-saving switch comes out the same
for both, and a pair the matcher accepts is a pair the notifier can place.

Wall-clock times are read the way RFC 5545 reads them (and `zoneinfo` with `fold=0`): a time that
occurs twice on the night clocks go back means its first occurrence; a time that does not exist on
the night clocks go forward is read with the offset before the gap, that is one hour later. So a
range of 01:00-04:00 on the spring-forward night is two real hours long, not three.

Pure: no I/O, and `now` is always passed in.
"""

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Protocol, TypeVar

from shared.profile import TimeRange, Weekday, zone

MINUTES_PER_WEEK = 7 * 24 * 60
MEETING_MINUTES = 60
"""How long a first meeting is, by default. The matcher counts only common time in stretches at
least this long, so every pair it accepts has room for the meeting the notifier plans."""
MEETING_NOTICE_HOURS = 24
"""How far ahead the first meeting is planned, by default. The week the matcher compares starts
after it, so the notifier can still use the whole of that week."""
WEEK = timedelta(days=7)
WEEKDAYS = list(Weekday)  # Monday first, like `date.weekday()`

Interval = tuple[int, int]
Windows = tuple[Interval, ...]
"""Sorted, disjoint, non-touching [start, end) minutes after Monday 00:00 UTC."""
Span = tuple[datetime, datetime]
"""[start, end) between two aware UTC instants."""
T = TypeVar("T", int, datetime)


class Available(Protocol):
    """Anyone with a timezone and weekly free time (a `Participant`, for one)."""

    @property
    def timezone(self) -> str: ...

    @property
    def availability(self) -> Mapping[Weekday, Sequence[TimeRange]]: ...


@dataclass(frozen=True)
class Slot:
    """A meeting: two aware instants in UTC."""

    start: datetime
    end: datetime


def monday_of(day: date) -> date:
    """The Monday that starts the week containing `day`."""
    return day - timedelta(days=day.weekday())


def coming_monday(today: date) -> date:
    """The week a proposal made today is for: the first to start a whole notice after today
    ends, so that all of it lies within reach of the first meeting (usually the next Monday;
    on a Sunday, the Monday after). It ends at most 15 days after today with a day's notice."""
    notice_days = -(-MEETING_NOTICE_HOURS // 24)
    return monday_of(today + timedelta(days=1 + notice_days + 6))


def free_intervals(person: Available, *, start: datetime, end: datetime) -> tuple[Span, ...]:
    """The person's free time between `start` and `end`, as sorted, merged UTC spans."""
    first = start.astimezone(zone(person.timezone)).date() - timedelta(days=1)
    days = (end.astimezone(zone(person.timezone)).date() - first).days + 2
    found: list[Span] = []
    for day, free in _ranges(person.availability, first, days):
        low = max(_instant(day, free.start, person.timezone), start)
        high = min(_instant(day, free.end, person.timezone), end)
        if low < high:
            found.append((low, high))
    return merge(found)


def utc_windows(
    availability: Mapping[Weekday, Sequence[TimeRange]], timezone: str, week_of: date
) -> Windows:
    """The availability within the UTC week that starts on the Monday of `week_of`: the same
    spans as `free_intervals` over that week, in minutes after its start."""
    monday = monday_of(week_of)
    found: list[Interval] = []
    # local dates from the Sunday before to the Monday after
    for day, free in _ranges(availability, monday - timedelta(days=1), 9):
        start = max(_week_minute(day, free.start, timezone, monday), 0)
        end = min(_week_minute(day, free.end, timezone, monday), MINUTES_PER_WEEK)
        if start < end:
            found.append((start, end))
    return merge(found)


def overlap_minutes(a: Windows, b: Windows, *, at_least: int = 1) -> int:
    """Minutes both are available, counting only common stretches of `at_least` minutes (each
    piece of the intersection of two merged window lists is a whole stretch)."""
    pieces = (end - start for start, end in _intersect(a, b))
    return sum(piece for piece in pieces if piece >= at_least)


def earliest_common_slot(
    people: Sequence[Available],
    *,
    now: datetime,
    length: timedelta,
    horizon: timedelta,
    notice: timedelta = timedelta(0),
    step: timedelta = timedelta(minutes=15),
) -> Slot | None:
    """The first slot of `length` free for everyone, starting at least `notice` after `now`
    (rounded up to `step`) and ending within `horizon` of `now`; None if there is none."""
    start, end = _ceil(now + notice, step), now + horizon
    common: Sequence[Span] = [(start, end)]
    for person in people:
        common = _intersect(common, list(free_intervals(person, start=start, end=end)))
    for low, high in common:
        if high - low >= length:
            return Slot(start=low, end=low + length)
    return None


def merge(intervals: Iterable[tuple[T, T]]) -> tuple[tuple[T, T], ...]:
    """Sorted union of intervals; touching intervals join (22:00-24:00 and 00:00-01:00)."""
    merged: list[tuple[T, T]] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return tuple(merged)


def _intersect(left: Sequence[tuple[T, T]], right: Sequence[tuple[T, T]]) -> list[tuple[T, T]]:
    """The common parts of two sorted, disjoint interval lists (a two-pointer walk)."""
    out: list[tuple[T, T]] = []
    i = j = 0
    while i < len(left) and j < len(right):
        low, high = max(left[i][0], right[j][0]), min(left[i][1], right[j][1])
        if low < high:
            out.append((low, high))
        if left[i][1] < right[j][1]:
            i += 1
        else:
            j += 1
    return out


def _ranges(
    availability: Mapping[Weekday, Sequence[TimeRange]], first: date, days: int
) -> Iterator[tuple[date, TimeRange]]:
    """Each local date from `first` on, with each of its free ranges."""
    for day in (first + timedelta(days=n) for n in range(days)):
        for free in availability.get(WEEKDAYS[day.weekday()], ()):
            yield day, free


@lru_cache(maxsize=65536)
def _week_minute(day: date, minute: int, timezone: str, monday: date) -> int:
    """Minutes from Monday 00:00 UTC to `minute` after local midnight of `day`."""
    start = datetime(monday.year, monday.month, monday.day, tzinfo=UTC)
    return _minutes(_instant(day, minute, timezone) - start)


@lru_cache(maxsize=65536)
def _instant(day: date, minute: int, timezone: str) -> datetime:
    """`minute` after local midnight of `day` (24:00 included), as a UTC instant."""
    local = datetime.combine(day, time()) + timedelta(minutes=minute)
    return local.replace(tzinfo=zone(timezone)).astimezone(UTC)


def _minutes(delta: timedelta) -> int:
    return int(delta.total_seconds()) // 60


def _ceil(moment: datetime, step: timedelta) -> datetime:
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    steps = -(-(moment - epoch) // step)
    return epoch + steps * step
