"""When each follow-up is due: the reminder halfway to expiry, the check-ins (after the N-th
meeting of the series, or a fraction of the program in its timezone, across daylight saving),
their nudges, and the program's end."""

from datetime import UTC, date, datetime, timedelta

import pytest

from services.matcher.core import followups as due
from services.matcher.core.followups import Calendar, Occasion
from shared.availability import Slot
from shared.checkins import DEFAULT_CHECKINS, CheckinPoint
from shared.meetings import MeetingPolicy

MEETINGS = MeetingPolicy(
    length=timedelta(hours=1),
    horizon=timedelta(days=21),
    notice=timedelta(hours=24),
    interval_weeks=2,
    count=1,
)
CLOSE = timedelta(days=14)


def calendar(
    *,
    timezone: str = "Europe/Berlin",
    starts: date = date(2027, 2, 1),
    ends: date = date(2027, 7, 30),
) -> Calendar:
    return Calendar(timezone, starts, ends, DEFAULT_CHECKINS, MEETINGS, CLOSE)


def test_the_reminder_is_due_halfway_from_the_proposal_to_its_expiry() -> None:
    proposed = datetime(2027, 2, 1, 9, 0, tzinfo=UTC)

    assert due.reminder_at(proposed, proposed + timedelta(days=7)) == proposed + timedelta(hours=84)


def test_the_program_ends_at_midnight_after_its_last_day_in_its_own_timezone() -> None:
    # 30 July 2027 is summer time in Berlin (UTC+2) and in New York (UTC-4).
    assert calendar().ends_at == datetime(2027, 7, 30, 22, 0, tzinfo=UTC)
    assert calendar(timezone="America/New_York").ends_at == datetime(2027, 7, 31, 4, 0, tzinfo=UTC)


def test_a_fraction_counts_elapsed_time_across_a_daylight_saving_change() -> None:
    # Berlin, 1 to 31 March 2027: the clocks go forward on the 28th, so the month is 743 hours.
    march = calendar(starts=date(2027, 3, 1), ends=date(2027, 3, 31))
    start = datetime(2027, 2, 28, 23, 0, tzinfo=UTC)  # 1 March 00:00 CET

    assert march.ends_at == datetime(2027, 3, 31, 22, 0, tzinfo=UTC)  # 1 April 00:00 CEST
    assert march.at_fraction(0.5) == start + timedelta(hours=743 / 2)


def test_a_check_in_after_the_second_meeting_is_due_when_that_meeting_is_over() -> None:
    first = Slot(datetime(2027, 3, 16, 16, 0, tzinfo=UTC), datetime(2027, 3, 16, 17, 0, tzinfo=UTC))
    point = CheckinPoint(id="after-second-meeting", after_meetings=2)

    at = due.checkin_at(point, calendar(), first, "Europe/Berlin")

    # two weeks later, after the spring change: 17:00-18:00 in Berlin is 15:00-16:00 UTC
    assert at == datetime(2027, 3, 30, 16, 0, tzinfo=UTC)


def test_a_pair_without_a_meeting_series_gets_no_meeting_check_in() -> None:
    point = CheckinPoint(id="after-second-meeting", after_meetings=2)

    assert due.checkin_at(point, calendar(), None, "UTC") is None


def test_an_active_pair_gets_the_check_ins_between_its_activation_and_the_end() -> None:
    first = Slot(datetime(2027, 2, 9, 16, 0, tzinfo=UTC), datetime(2027, 2, 9, 17, 0, tzinfo=UTC))
    cal = calendar()

    found = due.checkins(
        cal, first=first, anchor="UTC", active_since=datetime(2027, 2, 3, tzinfo=UTC)
    )
    late = due.checkins(
        cal, first=first, anchor="UTC", active_since=datetime(2027, 5, 2, tzinfo=UTC)
    )

    assert [o.key for o in found] == ["checkin#after-second-meeting", "checkin#mid-program"]
    assert found[0].at == datetime(2027, 2, 23, 17, 0, tzinfo=UTC)
    assert all(o.closes_at == o.at + CLOSE for o in found)
    assert late == []  # both points lie before it became active; the end comes with the end


def test_the_final_check_in_is_at_the_programs_end_and_a_nudge_halfway_to_its_close() -> None:
    final = due.final_checkin(calendar())

    assert final is not None and final.checkin is not None
    assert (final.checkin.id, final.at) == ("program-end", calendar().ends_at)
    nudge = due.nudge(final)
    assert (nudge.key, nudge.at) == ("nudge#program-end", final.at + CLOSE / 2)


@pytest.mark.parametrize(
    ("now", "open_"),
    [
        (datetime(2027, 3, 1, tzinfo=UTC) - timedelta(seconds=1), False),
        (datetime(2027, 3, 1, tzinfo=UTC), True),
        (datetime(2027, 3, 14, 23, 59, tzinfo=UTC), True),
        (datetime(2027, 3, 15, tzinfo=UTC), False),  # closed: not sent late
    ],
)
def test_a_follow_up_is_sent_only_between_its_time_and_its_close(
    now: datetime, open_: bool
) -> None:
    at = datetime(2027, 3, 1, tzinfo=UTC)
    occasion = Occasion("checkin", at, DEFAULT_CHECKINS[1], at + CLOSE)

    assert due.still_open(occasion, now) is open_
