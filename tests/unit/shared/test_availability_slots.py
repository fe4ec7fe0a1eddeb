"""The earliest common slot, in real instants, across timezones and daylight-saving changes."""

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from shared.availability import earliest_common_slot, free_intervals
from shared.events import Participant
from tests.builders.notifier import BEFORE_EU_DST, berliner, new_yorker, person

HOUR = timedelta(hours=1)
BERLIN, NEW_YORK = ZoneInfo("Europe/Berlin"), ZoneInfo("America/New_York")


def who(data: dict[str, Any]) -> Participant:
    return Participant.model_validate(data)


def test_first_slot_after_europe_changes_clocks_is_right_in_both_timezones() -> None:
    # Before 29 March Berlin 18:00 is 17:00 UTC and New York 12:00 is 16:00 UTC: no overlap.
    # From 29 March both are 16:00 UTC.
    slot = earliest_common_slot(
        [who(berliner()), who(new_yorker())], now=BEFORE_EU_DST, length=HOUR, horizon=21 * 24 * HOUR
    )

    assert slot is not None
    assert slot.start == datetime(2026, 3, 30, 16, 0, tzinfo=UTC)
    assert slot.start.astimezone(BERLIN).strftime("%a %H:%M %Z") == "Mon 18:00 CEST"
    assert slot.start.astimezone(NEW_YORK).strftime("%a %H:%M %Z") == "Mon 12:00 EDT"
    assert slot.end - slot.start == HOUR


def test_first_slot_in_autumn_waits_for_america_to_change_clocks_too() -> None:
    # From 25 October Berlin 18:00 is 17:00 UTC; New York 12:00 is 16:00 UTC until 1 November.
    now = datetime(2026, 10, 26, 8, 0, tzinfo=UTC)
    slot = earliest_common_slot(
        [who(berliner()), who(new_yorker())], now=now, length=HOUR, horizon=21 * 24 * HOUR
    )

    assert slot is not None
    assert slot.start == datetime(2026, 11, 2, 17, 0, tzinfo=UTC)
    assert slot.start.astimezone(NEW_YORK).strftime("%H:%M %Z") == "12:00 EST"


def test_no_slot_when_the_common_weeks_lie_beyond_the_horizon() -> None:
    slot = earliest_common_slot(
        [who(berliner()), who(new_yorker())], now=BEFORE_EU_DST, length=HOUR, horizon=5 * 24 * HOUR
    )

    assert slot is None


def test_range_on_the_spring_forward_night_has_one_hour_less() -> None:
    night = who(person(availability={"sun": [{"start": "01:00", "end": "04:00"}]}))
    now = datetime(2026, 3, 27, tzinfo=UTC)

    [(start, end)] = list(free_intervals(night, start=now, end=now + 3 * 24 * HOUR))

    assert end - start == 2 * HOUR
    fits = earliest_common_slot([night], now=now, length=2 * HOUR, horizon=3 * 24 * HOUR)
    too_long = earliest_common_slot([night], now=now, length=150 * HOUR / 60, horizon=72 * HOUR)
    assert fits is not None and fits.start == datetime(2026, 3, 29, 0, 0, tzinfo=UTC)
    assert too_long is None


def test_range_on_the_fall_back_night_has_one_hour_more() -> None:
    night = who(person(availability={"sun": [{"start": "01:00", "end": "04:00"}]}))
    now = datetime(2026, 10, 23, tzinfo=UTC)

    [(start, end)] = list(free_intervals(night, start=now, end=now + 3 * 24 * HOUR))

    assert (start, end - start) == (datetime(2026, 10, 24, 23, 0, tzinfo=UTC), 4 * HOUR)


def test_ranges_touching_at_midnight_form_one_interval() -> None:
    late = who(
        person(
            timezone="UTC",
            availability={
                "mon": [{"start": "23:00", "end": "24:00"}],
                "tue": [{"start": "00:00", "end": "01:00"}],
            },
        )
    )

    slot = earliest_common_slot([late], now=BEFORE_EU_DST, length=2 * HOUR, horizon=7 * 24 * HOUR)

    assert slot is not None
    assert slot.start == datetime(2026, 3, 23, 23, 0, tzinfo=UTC)


def test_notice_is_respected_and_the_start_rounded_up_to_a_quarter_hour() -> None:
    free_all_week = who(
        person(
            timezone="UTC",
            availability={
                d: [{"start": "00:00", "end": "24:00"}]
                for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
            },
        )
    )
    now = datetime(2026, 3, 23, 10, 7, tzinfo=UTC)

    slot = earliest_common_slot(
        [free_all_week], now=now, length=HOUR, horizon=7 * 24 * HOUR, notice=24 * HOUR
    )

    assert slot is not None
    assert slot.start == datetime(2026, 3, 24, 10, 15, tzinfo=UTC)


def test_slot_starts_where_the_later_person_becomes_free() -> None:
    early = who(person(timezone="UTC", availability={"tue": [{"start": "09:00", "end": "12:00"}]}))
    later = who(person(timezone="UTC", availability={"tue": [{"start": "10:30", "end": "13:00"}]}))

    slot = earliest_common_slot(
        [early, later], now=BEFORE_EU_DST, length=HOUR, horizon=7 * 24 * HOUR
    )

    assert slot is not None
    assert (slot.start, slot.end) == (
        datetime(2026, 3, 24, 10, 30, tzinfo=UTC),
        datetime(2026, 3, 24, 11, 30, tzinfo=UTC),
    )


def test_overlap_shorter_than_the_meeting_is_skipped_for_a_later_one() -> None:
    one = who(
        person(
            timezone="UTC",
            availability={
                "tue": [{"start": "09:00", "end": "10:00"}],
                "thu": [{"start": "09:00", "end": "11:00"}],
            },
        )
    )
    two = who(
        person(
            timezone="UTC",
            availability={
                "tue": [{"start": "09:30", "end": "12:00"}],
                "thu": [{"start": "08:00", "end": "12:00"}],
            },
        )
    )

    slot = earliest_common_slot([one, two], now=BEFORE_EU_DST, length=HOUR, horizon=7 * 24 * HOUR)

    assert slot is not None
    assert slot.start == datetime(2026, 3, 26, 9, 0, tzinfo=UTC)


def test_a_half_hour_timezone_is_handled() -> None:
    kolkata = who(
        person(timezone="Asia/Kolkata", availability={"tue": [{"start": "21:30", "end": "23:00"}]})
    )
    london = who(
        person(timezone="Europe/London", availability={"tue": [{"start": "16:00", "end": "18:00"}]})
    )

    slot = earliest_common_slot(
        [kolkata, london], now=BEFORE_EU_DST, length=HOUR, horizon=7 * 24 * HOUR
    )

    assert slot is not None
    assert slot.start == datetime(2026, 3, 24, 16, 0, tzinfo=UTC)  # 21:30 IST, 16:00 GMT
