"""The earliest common meeting slot of two people, from their weekly availability.

Pure: `now` is passed in. Each person's weekly ranges are expanded into real instants in their own
timezone, day by day, so a daylight-saving change between `now` and the slot is handled: a Berlin
evening and a New York noon overlap only in the weeks when the offsets line up.

Wall-clock times are read the way RFC 5545 reads them (and `zoneinfo` with `fold=0`): a time that
occurs twice on the night clocks go back means its first occurrence; a time that does not exist on
the night clocks go forward is read with the offset before the gap, that is one hour later. So a
range of 01:00-04:00 on the spring-forward night is two real hours long, not three.
"""

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from shared.profile import TimeRange, Weekday

WEEKDAYS = list(Weekday)  # Monday first, like `date.weekday()`
Interval = tuple[datetime, datetime]


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
    common: list[Interval] = [(start, end)]
    for person in people:
        common = _intersect(common, list(free_intervals(person, start=start, end=end)))
    for low, high in common:
        if high - low >= length:
            return Slot(start=low, end=low + length)
    return None


def free_intervals(person: Available, *, start: datetime, end: datetime) -> Iterator[Interval]:
    """The person's free time between `start` and `end`, as sorted, merged UTC intervals."""
    zone = ZoneInfo(person.timezone)
    first = start.astimezone(zone).date() - timedelta(days=1)
    days = (end.astimezone(zone).date() - first).days + 2
    pending: Interval | None = None
    for offset in range(days):
        day = first + timedelta(days=offset)
        for free in person.availability.get(WEEKDAYS[day.weekday()], ()):
            low = max(_instant(day, free.start, zone), start)
            high = min(_instant(day, free.end, zone), end)
            if low >= high:
                continue
            if pending and low <= pending[1]:  # touching ranges, e.g. 22:00-24:00 and 00:00-01:00
                pending = (pending[0], max(pending[1], high))
                continue
            if pending:
                yield pending
            pending = (low, high)
    if pending:
        yield pending


def _instant(day: date, minutes: int, zone: ZoneInfo) -> datetime:
    local = datetime.combine(day, time()) + timedelta(minutes=minutes)
    return local.replace(tzinfo=zone).astimezone(UTC)


def _intersect(left: list[Interval], right: list[Interval]) -> list[Interval]:
    out: list[Interval] = []
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


def _ceil(moment: datetime, step: timedelta) -> datetime:
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    steps = -(-(moment - epoch) // step)
    return epoch + steps * step
