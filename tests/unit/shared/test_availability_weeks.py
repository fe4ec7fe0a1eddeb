"""Availability in UTC minutes of one concrete week: timezones, daylight saving, week edges."""

from datetime import date
from typing import Any

from shared.availability import (
    MINUTES_PER_WEEK,
    coming_monday,
    merge,
    overlap_minutes,
    utc_windows,
)
from shared.profile import TimeRange, Weekday

DAY = 24 * 60


def week(**days: list[tuple[str, str]]) -> dict[Weekday, list[TimeRange]]:
    def minutes(clock: str) -> int:
        hours, mins = clock.split(":")
        return int(hours) * 60 + int(mins)

    return {
        Weekday(day): [TimeRange(start=minutes(a), end=minutes(b)) for a, b in ranges]
        for day, ranges in days.items()
    }


def windows(zone: str, monday: date, **days: Any) -> tuple[tuple[int, int], ...]:
    return utc_windows(week(**days), zone, monday)


def test_a_winter_evening_in_berlin_is_an_hour_earlier_in_utc() -> None:
    found = windows("Europe/Berlin", date(2026, 1, 12), tue=[("17:00", "19:00")])

    assert found == ((DAY + 16 * 60, DAY + 18 * 60),)


def test_new_york_noon_and_berlin_evening_overlap_in_winter() -> None:
    monday = date(2026, 1, 12)
    new_york = windows("America/New_York", monday, wed=[("12:00", "14:00")])
    berlin = windows("Europe/Berlin", monday, wed=[("18:00", "20:00")])

    assert overlap_minutes(new_york, berlin) == 120


def test_between_the_american_and_european_switches_the_gap_is_five_hours() -> None:
    new_york = week(wed=[("13:00", "15:00")])
    berlin = week(wed=[("18:00", "20:00")])
    # The US moves its clocks on 8 March 2026, Europe on 29 March.
    between, after = date(2026, 3, 9), date(2026, 3, 30)

    assert (
        overlap_minutes(
            utc_windows(new_york, "America/New_York", between),
            utc_windows(berlin, "Europe/Berlin", between),
        )
        == 120
    )
    assert (
        overlap_minutes(
            utc_windows(new_york, "America/New_York", after),
            utc_windows(berlin, "Europe/Berlin", after),
        )
        == 60
    )


def test_a_week_across_the_switch_uses_each_days_own_offset() -> None:
    # Europe switches to summer time on Sunday 29 March 2026 at 02:00.
    found = windows(
        "Europe/Berlin", date(2026, 3, 23), mon=[("10:00", "12:00")], sun=[("10:00", "12:00")]
    )

    assert found == ((9 * 60, 11 * 60), (6 * DAY + 8 * 60, 6 * DAY + 10 * 60))


def test_a_range_across_the_spring_switch_is_an_hour_shorter() -> None:
    found = windows("Europe/Berlin", date(2026, 3, 23), sun=[("01:00", "04:00")])

    assert sum(end - start for start, end in found) == 120


def test_a_range_across_the_autumn_switch_is_an_hour_longer() -> None:
    # Europe returns to standard time on Sunday 25 October 2026 at 03:00.
    found = windows("Europe/Berlin", date(2026, 10, 19), sun=[("01:00", "04:00")])

    assert sum(end - start for start, end in found) == 240


def test_an_early_monday_in_tokyo_is_the_end_of_the_utc_week() -> None:
    found = windows("Asia/Tokyo", date(2026, 1, 12), mon=[("08:00", "10:00")])

    assert found == ((0, 60), (MINUTES_PER_WEEK - 60, MINUTES_PER_WEEK))


def test_quarter_hour_offsets_are_kept() -> None:
    found = windows("Asia/Kathmandu", date(2026, 1, 12), tue=[("09:00", "10:00")])

    assert found == ((DAY + 3 * 60 + 15, DAY + 4 * 60 + 15),)


def test_common_time_split_over_days_adds_up() -> None:
    a = ((0, 100), (200, 300), (1000, 1100))
    b = ((50, 250), (1050, 2000))

    assert overlap_minutes(a, b) == 50 + 50 + 50
    assert overlap_minutes(b, a) == 150


def test_touching_ranges_merge() -> None:
    assert merge([(60, 120), (0, 60), (200, 210), (205, 300)]) == ((0, 120), (200, 300))


def test_the_coming_week_starts_on_the_next_monday() -> None:
    assert coming_monday(date(2026, 1, 14)) == date(2026, 1, 19)
    assert coming_monday(date(2026, 1, 19)) == date(2026, 1, 26)
