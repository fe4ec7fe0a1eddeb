"""When a program matches: in rounds at set times, or continuously after a settle window (pure).

`rounds`: nobody is proposed until a round runs, at the program's times (local datetimes in
its timezone, and optionally an RFC 5545 RRULE counted from the first of them) or on command;
a round is one optimal solve over everyone free. `continuous`: a newcomer waits up to the
settle window for others to arrive, then the program's free people are matched.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr

Mode = Literal["rounds", "continuous"]


@dataclass(frozen=True)
class Schedule:
    """A program's matching schedule; `settle` applies to `continuous` only."""

    mode: Mode = "continuous"
    rounds_at: tuple[datetime, ...] = ()
    """Local (naive) datetimes in the program's timezone."""
    rounds_rule: str | None = None
    """An RRULE (e.g. `FREQ=MONTHLY;BYDAY=1MO;BYHOUR=9`) counted from the first of `rounds_at`."""
    settle: timedelta = field(default=timedelta(minutes=3))

    def __post_init__(self) -> None:
        if self.settle < timedelta(0):
            raise ValueError("the settle window cannot be negative")
        if self.rounds_rule is not None and not self.rounds_at:
            raise ValueError("a rounds_rule counts from the first of rounds_at: give one")


def round_times(
    schedule: Schedule, timezone: str, *, after: datetime, until: datetime
) -> list[datetime]:
    """The scheduled rounds in (after, until], as aware UTC datetimes, earliest first."""
    if schedule.mode != "rounds":
        return []
    zone = ZoneInfo(timezone)
    found = {at for at in _local_times(schedule, zone, until) if after < at <= until}
    return sorted(found)


def _local_times(schedule: Schedule, zone: ZoneInfo, until: datetime) -> Iterator[datetime]:
    for local in schedule.rounds_at:
        yield _utc(local, zone)
    if schedule.rounds_rule is None:
        return
    start = min(schedule.rounds_at)
    for local in rrulestr(schedule.rounds_rule, dtstart=start):
        at = _utc(local, zone)
        if at > until:
            return
        yield at


def _utc(local: datetime, zone: ZoneInfo) -> datetime:
    """A wall-clock time in `zone` as UTC (a time skipped by a DST change moves forward)."""
    return local.replace(tzinfo=zone).astimezone(UTC)


def round_id(program_id: str, at: datetime) -> str:
    """The id of a scheduled round: the same program and time always give the same id."""
    return f"{program_id}@{at.astimezone(UTC):%Y-%m-%dT%H:%MZ}"
