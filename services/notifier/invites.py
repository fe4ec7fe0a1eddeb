"""RFC 5545 / RFC 5546 invitations for a pairing's meeting series. Pure: builds bytes, sends nothing.

One series per pairing: the UID is a keyed hash of the pairing id (`invite_uid`), kept with the
pairing's schedule, so the proposal's REQUEST and a later CANCEL address the same calendar entry
and nobody without the key can name the UID of a pairing (a calendar REPLY to it counts as an
answer, see `replies.py`), and SEQUENCE (the pairing's own counter, which grows
with every state change) tells clients which version is newer. The series is anchored in one
timezone (DTSTART;TZID with its VTIMEZONE), so every occurrence keeps that wall-clock time across
daylight-saving changes; both people get the same anchor, so their calendars always agree.
A REQUEST carries a VALARM (`alarm`: how long before each meeting), so calendars remind both
people by themselves.
"""

import functools
import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Literal

from icalendar import Alarm, Calendar, Event, Timezone, vCalAddress

PRODID = "-//Reverse Mentoring//Notifier//EN"
UID_DOMAIN = "reverse-mentoring"

Method = Literal["REQUEST", "CANCEL"]


@dataclass(frozen=True)
class Person:
    """Someone on the invite: a display name (already made safe) and an address."""

    name: str
    email: str


@dataclass(frozen=True)
class Series:
    """The first meeting, as aware datetimes in the anchor timezone, and how it recurs."""

    start: datetime
    end: datetime
    interval_weeks: int
    count: int

    @property
    def last_day(self) -> datetime:
        return self.end + timedelta(weeks=self.interval_weeks * (self.count - 1))


@dataclass(frozen=True)
class Invite:
    """Everything one invitation says."""

    method: Method
    uid: str
    sequence: int
    stamp: datetime
    organizer: Person
    attendees: Sequence[Person]
    summary: str
    description: str
    series: Series | None
    alarm: timedelta | None = None  # before each meeting; zero: at its start


def invite_uid(pairing_id: str, key: bytes) -> str:
    """The UID of a pairing's invitations: unguessable without `key` (a pairing id can be
    computed from the program and both person ids)."""
    digest = hmac.new(key, pairing_id.encode(), hashlib.sha256).hexdigest()[:32]
    return f"{digest}@{UID_DOMAIN}"


def build_invite(invite: Invite) -> bytes:
    """The iCalendar object, with VTIMEZONE data for the anchor timezone."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", invite.method)
    calendar.add_component(_event(invite))
    if invite.series:
        # Whole calendar years, so clients see every transition around the series.
        first, last = invite.series.start.year, invite.series.last_day.year + 1
        _add_timezones(calendar, date(first, 1, 1), date(last, 1, 1))
    return bytes(calendar.to_ical())


def _add_timezones(calendar: Calendar, first: date, last: date) -> None:
    """`Calendar.add_missing_timezones`, with each VTIMEZONE worked out once per timezone and
    years instead of once per invite (it was a fifth of the notifier's CPU per invite). The
    component is shared by the calendars, which only serialise it."""
    at = len(calendar.timezones)
    for tzid in calendar.get_missing_tzids():
        try:
            calendar.subcomponents.insert(at, _timezone(tzid, first, last))
        except ValueError:  # unknown to the timezone database: left out, as the library does
            continue
        at += 1


@functools.lru_cache(maxsize=64)
def _timezone(tzid: str, first: date, last: date) -> Timezone:
    return Timezone.from_tzid(tzid, first_date=first, last_date=last)


def _event(invite: Invite) -> Event:
    event = Event()
    event.add("uid", invite.uid)
    event.add("sequence", invite.sequence)
    event.add("dtstamp", invite.stamp.astimezone(UTC))
    event.add("summary", invite.summary)
    event.add("description", invite.description)
    event.add("status", "CANCELLED" if invite.method == "CANCEL" else "CONFIRMED")
    event.add("transp", "OPAQUE")
    event.add("organizer", _address(invite.organizer))
    for person in invite.attendees:
        event.add("attendee", _attendee(person, rsvp=invite.method == "REQUEST"))
    if invite.series:
        event.add("dtstart", invite.series.start)
        event.add("dtend", invite.series.end)
        rule = {"freq": "weekly", "interval": invite.series.interval_weeks}
        event.add("rrule", rule | {"count": invite.series.count})
        if invite.alarm is not None and invite.method == "REQUEST":
            event.add_component(_alarm(invite.alarm, invite.summary))
    return event


def _alarm(before: timedelta, summary: str) -> Alarm:
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("trigger", -before)
    alarm.add("description", summary)
    return alarm


def _address(person: Person) -> vCalAddress:
    address = vCalAddress(f"mailto:{person.email}")
    address.params["cn"] = person.name
    return address


def _attendee(person: Person, *, rsvp: bool) -> vCalAddress:
    address = _address(person)
    address.params["cutype"] = "INDIVIDUAL"
    address.params["role"] = "REQ-PARTICIPANT"
    if rsvp:
        address.params["partstat"] = "NEEDS-ACTION"
        address.params["rsvp"] = "TRUE"
    return address
