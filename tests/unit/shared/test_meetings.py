"""The meeting series as both services count it: the N-th meeting keeps the anchor's local time."""

from datetime import UTC, datetime, timedelta

from shared.availability import Slot
from shared.meetings import nth_meeting

FIRST = Slot(
    start=datetime(2027, 3, 16, 16, 0, tzinfo=UTC),  # 17:00 in Berlin (CET)
    end=datetime(2027, 3, 16, 17, 0, tzinfo=UTC),
)


def test_the_first_meeting_is_the_first_of_the_series() -> None:
    assert nth_meeting(FIRST, timezone="Europe/Berlin", interval_weeks=2, n=1) == FIRST


def test_a_meeting_after_the_spring_change_keeps_its_local_time_and_moves_in_utc() -> None:
    second = nth_meeting(FIRST, timezone="Europe/Berlin", interval_weeks=2, n=2)

    # 30 March 2027 is after Berlin's switch to summer time (28 March): 17:00 CEST is 15:00 UTC.
    assert second.start == datetime(2027, 3, 30, 15, 0, tzinfo=UTC)
    assert second.end - second.start == timedelta(hours=1)


def test_a_series_anchored_in_utc_repeats_every_interval_exactly() -> None:
    third = nth_meeting(FIRST, timezone="UTC", interval_weeks=2, n=3)

    assert third.start == FIRST.start + timedelta(weeks=4)
