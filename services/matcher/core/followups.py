"""When each follow-up of a pairing is due (pure): the reminder, the check-ins, their nudges, and
the program's end.

- The reminder: halfway from the proposal to its expiry, while the pairing still awaits answers.
- A check-in point of the program record: `after_meetings: N` is the end of the N-th meeting of
  the pair's series (`shared.meetings`, as the invite sets it: the first meeting is planned from
  the proposal); `program_fraction: f` is that fraction of the way from `starts_on` 00:00 to the
  end of `ends_on`, in the program's timezone, in elapsed time. Open to an active pairing whose
  point lies after it became active and before the program's end; the point at the end
  (`program_fraction` 1.0) is the final check-in, opened as the program ends the pairing.
- A nudge: halfway from a check-in to its close (`close_after` later), once it was opened.
- The program's end: the end of `ends_on` in the program's timezone; every live pairing ends.

A follow-up whose answers would already be closed is not sent late: a check-in (or nudge) found
due only after its close is passed over.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal

from shared.availability import Available, Slot
from shared.checkins import CheckinPoint
from shared.meetings import MeetingPolicy, first_meeting, nth_meeting
from shared.profile import zone

Kind = Literal["reminder", "checkin", "nudge"]


@dataclass(frozen=True)
class Calendar:
    """What a program's record says about follow-ups, with the deployment's meeting policy."""

    timezone: str
    starts_on: date
    ends_on: date
    checkins: tuple[CheckinPoint, ...]
    meetings: MeetingPolicy
    close_after: timedelta

    def at_fraction(self, fraction: float) -> datetime:
        start = datetime.combine(self.starts_on, time(), zone(self.timezone)).astimezone(UTC)
        after = self.ends_on + timedelta(days=1)
        end = datetime.combine(after, time(), zone(self.timezone)).astimezone(UTC)
        return start + (end - start) * fraction

    @property
    def ends_at(self) -> datetime:
        return self.at_fraction(1.0)

    @property
    def final(self) -> CheckinPoint | None:
        """The check-in at the program's end, if the program has one."""
        return next((p for p in self.checkins if p.program_fraction == 1.0), None)


@dataclass(frozen=True)
class Occasion:
    """One follow-up of one pairing, and when it is due. `key` is unique within the pairing."""

    kind: Kind
    at: datetime
    checkin: CheckinPoint | None = None
    closes_at: datetime | None = None

    @property
    def key(self) -> str:
        return self.kind if self.checkin is None else f"{self.kind}#{self.checkin.id}"


def reminder_at(proposed_at: datetime, expires_at: datetime) -> datetime:
    return proposed_at + (expires_at - proposed_at) / 2


def series_start(
    people: Sequence[Available], meetings: MeetingPolicy, proposed_at: datetime
) -> Slot | None:
    """The first meeting as the invite plans it (None: no common time, so no series)."""
    return first_meeting(people, meetings, proposed_at)


def checkin_at(
    point: CheckinPoint, calendar: Calendar, first: Slot | None, anchor: str
) -> datetime | None:
    """When `point` falls for one pair (None: its meeting series has no such meeting)."""
    if point.program_fraction is not None:
        return calendar.at_fraction(point.program_fraction)
    if first is None or point.after_meetings is None:
        return None
    interval = calendar.meetings.interval_weeks
    return nth_meeting(first, timezone=anchor, interval_weeks=interval, n=point.after_meetings).end


def checkins(
    calendar: Calendar, *, first: Slot | None, anchor: str, active_since: datetime
) -> list[Occasion]:
    """The check-ins of an active pairing before the program's end, in time order."""
    found = []
    for point in calendar.checkins:
        at = checkin_at(point, calendar, first, anchor)
        if at is not None and active_since <= at < calendar.ends_at:
            found.append(Occasion("checkin", at, point, at + calendar.close_after))
    return sorted(found, key=lambda o: o.at)


def final_checkin(calendar: Calendar) -> Occasion | None:
    point = calendar.final
    if point is None:
        return None
    return Occasion("checkin", calendar.ends_at, point, calendar.ends_at + calendar.close_after)


def nudge(checkin: Occasion) -> Occasion:
    """The nudge of an opened check-in: halfway to its close."""
    assert checkin.closes_at is not None
    at = checkin.at + (checkin.closes_at - checkin.at) / 2
    return Occasion("nudge", at, checkin.checkin, checkin.closes_at)


def still_open(occasion: Occasion, now: datetime) -> bool:
    """Due and not closed yet: a follow-up found due after its close is passed over."""
    return occasion.at <= now and (occasion.closes_at is None or now < occasion.closes_at)
