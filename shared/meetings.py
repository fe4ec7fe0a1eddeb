"""A pairing's meeting series, counted alike by the notifier (its invite) and the matcher (the
check-in after the N-th meeting). Pure: `now` is always passed in.

The first meeting is the earliest common slot (`shared.availability`); the series repeats it
every `interval_weeks` at the same wall-clock time in the anchor timezone (the older person's),
as the invite's RRULE does, so a meeting after a daylight-saving change keeps its local time and
moves in UTC.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from shared.availability import Available, Slot, earliest_common_slot
from shared.profile import zone

DEFAULT_INTERVAL_WEEKS = 2
DEFAULT_HORIZON_DAYS = 21


@dataclass(frozen=True)
class MeetingPolicy:
    """How a series is planned: meeting length, how far ahead the first one is looked for, the
    notice before it, the weeks between meetings and how many there are."""

    length: timedelta
    horizon: timedelta
    notice: timedelta
    interval_weeks: int
    count: int
    until: date | None = None
    """The program's last day: when set, the series ends on or before it (the notifier's
    `compose.fit_series`)."""


def first_meeting(people: Sequence[Available], policy: MeetingPolicy, now: datetime) -> Slot | None:
    """The series' first meeting: the earliest common slot after the notice; None if none."""
    return earliest_common_slot(
        people, now=now, length=policy.length, horizon=policy.horizon, notice=policy.notice
    )


def nth_meeting(first: Slot, *, timezone: str, interval_weeks: int, n: int) -> Slot:
    """The `n`-th meeting (1 is the first) of a series anchored in `timezone`, in UTC."""
    anchor, shift = zone(timezone), timedelta(weeks=interval_weeks * (n - 1))
    start = first.start.astimezone(anchor) + shift  # wall-clock arithmetic in the anchor zone
    end = first.end.astimezone(anchor) + shift
    return Slot(start=start.astimezone(UTC), end=end.astimezone(UTC))
