"""The iCalendar invitation: every property RFC 5546 needs, stable UID, rising SEQUENCE."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar, Event

import services.notifier.invites as invites_module
from services.notifier.invites import Invite, Person, Series, build_invite, invite_uid

NEW_YORK = ZoneInfo("America/New_York")
START = datetime(2026, 3, 30, 12, 0, tzinfo=NEW_YORK)
SERIES = Series(start=START, end=START + timedelta(hours=1), interval_weeks=2, count=13)
ORGANIZER = Person(name="Reverse Mentoring", email="mentoring@example.org")
PEOPLE = [
    Person(name="Jana Schmidt", email="jana@example.org"),
    Person(name='Robert "Bob"; Miller, Jr.', email="robert@example.org"),
]
KEY = b"invite-key"


def invite(method: str = "REQUEST", sequence: int = 1, series: Series | None = SERIES) -> Invite:
    return Invite(
        method=method,  # type: ignore[arg-type]
        uid=invite_uid("pair-42", KEY),
        sequence=sequence,
        stamp=datetime(2026, 3, 23, 8, 0, tzinfo=UTC),
        organizer=ORGANIZER,
        attendees=PEOPLE,
        summary="Reverse Mentoring: Jana & Robert",
        description="Each teaches what the other wants.",
        series=series,
    )


def parse(raw: bytes) -> tuple[Calendar, Event]:
    calendar = Calendar.from_ical(raw)
    [event] = calendar.walk("VEVENT")
    return calendar, event


def test_request_has_every_required_property() -> None:
    calendar, event = parse(build_invite(invite()))

    assert calendar["METHOD"] == "REQUEST"
    assert calendar["VERSION"] == "2.0" and calendar["PRODID"]
    for name in ("UID", "DTSTAMP", "DTSTART", "DTEND", "SEQUENCE", "SUMMARY", "ORGANIZER"):
        assert name in event, name
    assert event["UID"] == invite_uid("pair-42", KEY)
    assert event["SEQUENCE"] == 1
    assert event["STATUS"] == "CONFIRMED"
    assert event["ORGANIZER"] == "mailto:mentoring@example.org"


def test_both_people_are_attendees_asked_to_reply() -> None:
    _, event = parse(build_invite(invite()))

    attendees = event["ATTENDEE"]
    assert [str(a) for a in attendees] == ["mailto:jana@example.org", "mailto:robert@example.org"]
    assert [a.params["CN"] for a in attendees] == ["Jana Schmidt", 'Robert "Bob"; Miller, Jr.']
    assert all(a.params["RSVP"] == "TRUE" for a in attendees)
    assert all(a.params["PARTSTAT"] == "NEEDS-ACTION" for a in attendees)


def test_start_carries_its_timezone_with_vtimezone_data() -> None:
    calendar, event = parse(build_invite(invite()))

    assert event.decoded("DTSTART") == START
    assert event["DTSTART"].params["TZID"] == "America/New_York"
    assert [tz.tz_name for tz in calendar.timezones] == ["America/New_York"]
    assert calendar.get_missing_tzids() == set()


def test_series_recurs_at_the_cadence_for_the_program_length() -> None:
    _, event = parse(build_invite(invite()))

    rule = event["RRULE"]
    assert rule["FREQ"] == ["WEEKLY"] and rule["INTERVAL"] == [2] and rule["COUNT"] == [13]
    last = event.decoded("DTSTART") + timedelta(weeks=2 * 12)
    assert last.date() == date(2026, 9, 14)


def test_cancel_keeps_the_uid_and_raises_the_sequence() -> None:
    _, request = parse(build_invite(invite(sequence=1)))
    calendar, cancel = parse(build_invite(invite(method="CANCEL", sequence=2)))

    assert calendar["METHOD"] == "CANCEL"
    assert cancel["UID"] == request["UID"]
    assert cancel["SEQUENCE"] > request["SEQUENCE"]
    assert cancel["STATUS"] == "CANCELLED"
    assert all("RSVP" not in a.params for a in cancel["ATTENDEE"])


def test_uid_is_stable_per_pairing_and_differs_between_pairings() -> None:
    assert invite_uid("pair-42", KEY) == invite_uid("pair-42", KEY)
    assert invite_uid("pair-42", KEY) != invite_uid("pair-43", KEY)


def test_uid_cannot_be_computed_from_the_pairing_id_without_the_key() -> None:
    uid = invite_uid("pair-42", KEY)

    assert uid != invite_uid("pair-42", b"another key")
    assert "pair-42" not in uid and len(uid.split("@")[0]) == 32


def test_cancel_without_a_known_series_has_no_times() -> None:
    calendar, event = parse(build_invite(invite(method="CANCEL", series=None)))

    assert "DTSTART" not in event and "RRULE" not in event
    assert calendar.timezones == []


def test_vtimezone_data_is_what_the_calendar_library_adds_for_each_series(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    berlin = datetime(2026, 11, 30, 18, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    across_years = Series(start=berlin, end=berlin + timedelta(hours=1), interval_weeks=2, count=13)
    invites = [invite(), invite(series=across_years), invite(), invite(series=across_years)]
    built = [build_invite(i) for i in invites]  # the second of each from the kept VTIMEZONE

    def library(calendar: Calendar, first: date, last: date) -> None:
        calendar.add_missing_timezones(first, last)

    monkeypatch.setattr(invites_module, "_add_timezones", library)
    assert built == [build_invite(i) for i in invites]
