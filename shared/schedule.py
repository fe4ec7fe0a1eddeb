"""When a program's rounds run: its listed local times and its RFC 5545 rule, laid on real instants.

Local times are read as RFC 5545 reads them (`zoneinfo` with `fold=0`, as `shared.availability`
does): a time that occurs twice means its first occurrence, and one that does not exist on the
night clocks go forward is read with the offset before the gap.

Pure: no I/O, and `after` is always passed in.
"""

import heapq
import re
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from dateutil.rrule import rrule, rrulestr
from pydantic import AfterValidator, Field

_PREFIX = "RRULE:"
_TOO_OFTEN = re.compile(r"FREQ=(MINUTELY|SECONDLY)", re.IGNORECASE)
_UTC_UNTIL = re.compile(r"UNTIL=\d{8}(T\d{6})?Z", re.IGNORECASE)
_SLACK = timedelta(days=2)
"""Local and UTC clocks differ by at most 26 hours; searching from this much earlier is enough."""


def parse_rule(value: str, anchor: datetime) -> rrule:
    """The rule as dateutil reads it, counted from the naive local `anchor`."""
    parsed = rrulestr(value.removeprefix(_PREFIX), dtstart=anchor, forceset=False)
    if not isinstance(parsed, rrule):  # pragma: no cover - a single RRULE line is never a set
        raise ValueError("rounds_rule must be a single RRULE")
    return parsed


def _valid_rule(value: str) -> str:
    value = value.strip()
    if "\n" in value or "DTSTART" in value.upper():
        raise ValueError("rounds_rule is one RRULE line, without DTSTART (the program sets it)")
    if _UTC_UNTIL.search(value):
        raise ValueError("rounds_rule's UNTIL is a local time in the program's timezone, no Z")
    try:
        parse_rule(value, datetime(2000, 1, 1))
    except (ValueError, TypeError) as exc:
        raise ValueError(f"rounds_rule is not a valid RFC 5545 RRULE: {exc}") from exc
    if _TOO_OFTEN.search(value):
        raise ValueError("rounds_rule may repeat at most hourly")
    return value


RRule = Annotated[
    str,
    AfterValidator(_valid_rule),
    Field(description="An RFC 5545 RRULE, without DTSTART.", examples=["FREQ=WEEKLY;BYDAY=MO"]),
]


def local_to_utc(moment: datetime, timezone: str) -> datetime:
    """A naive local time in `timezone` as an aware UTC instant (fold=0)."""
    return moment.replace(tzinfo=ZoneInfo(timezone), fold=0).astimezone(UTC)


def round_times_within(rule: str, *, anchor: datetime, last_day: date) -> bool:
    """Whether the rule has at least one occurrence from `anchor` through `last_day`."""
    first = parse_rule(rule, anchor).after(anchor, inc=True)
    return first is not None and first.date() <= last_day


def local_round_times(
    rounds_at: Iterable[datetime], rule: str | None, *, anchor: datetime, start: datetime
) -> Iterator[datetime]:
    """Local round times from `start` on (inclusive), in order, listed and ruled merged."""
    listed = sorted(at for at in rounds_at if at >= start)
    ruled = parse_rule(rule, anchor).xafter(start, inc=True) if rule else iter(())
    previous = None
    for local in heapq.merge(listed, ruled):
        if local != previous:
            yield local
        previous = local


def next_round(
    rounds_at: Iterable[datetime],
    rule: str | None,
    *,
    timezone: str,
    anchor: datetime,
    last_day: date,
    after: datetime,
) -> datetime | None:
    """The first round strictly after the aware instant `after`, as UTC; None when none is left.

    Rounds after `last_day` (local) do not run.
    """
    start = after.astimezone(ZoneInfo(timezone)).replace(tzinfo=None) - _SLACK
    for local in local_round_times(rounds_at, rule, anchor=anchor, start=start):
        if local.date() > last_day:
            return None
        instant = local_to_utc(local, timezone)
        if instant > after:
            return instant
    return None
