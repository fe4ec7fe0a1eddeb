"""A program's record decides who sends its emails and how its meetings recur; without one, the
deployment's settings do, as before."""

from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage

from icalendar import Calendar

from services.notifier.compose import MeetingPolicy, Program, Schedule, fit_series
from services.notifier.notify import Notifier
from services.notifier.programs import program_settings
from tests.builders.notifier import proposed
from tests.builders.programs import program_snapshot
from tests.fakes.notifier import FakeMailer, FakePublisher, FakeStore
from tests.fakes.programs import FakePrograms

DEFAULT = Program(mailbox="mentoring@example.org", name="Reverse Mentoring")
POLICY = MeetingPolicy(
    length=timedelta(hours=1),
    horizon=timedelta(days=21),
    notice=timedelta(hours=24),
    interval_weeks=2,
    count=13,
)
RECORD = program_snapshot(
    "prog-1",
    name="EMEA 2027",
    sender="EMEA@example.org",
    meeting_minutes=45,
    meeting_interval_weeks=3,
    starts_on="2026-03-01",
    ends_on="2026-06-30",
    enrolment_opens=None,
    enrolment_closes=None,
    schedule={"mode": "continuous"},
)


def _schedule(start: datetime | None) -> Schedule:
    end = start + timedelta(hours=1) if start else None
    return Schedule("pr-1", 1, "America/New_York", start, end, uid="uid-pr-1")


def test_without_a_record_the_defaults_hold() -> None:
    assert program_settings(None, program=DEFAULT, meetings=POLICY) == (DEFAULT, POLICY)
    assert fit_series(POLICY, _schedule(datetime(2026, 3, 30, 16, tzinfo=UTC))) == POLICY


def test_a_record_names_the_sender_and_the_meetings_and_ends_the_series_with_the_program() -> None:
    program, policy = program_settings(RECORD, program=DEFAULT, meetings=POLICY)

    assert program == Program(mailbox="emea@example.org", name="EMEA 2027")
    assert (policy.length, policy.interval_weeks, policy.until) == (
        timedelta(minutes=45),
        3,
        date(2026, 6, 30),
    )
    first = _schedule(datetime(2026, 3, 30, 16, tzinfo=UTC))  # Monday 30 March, New York
    assert fit_series(policy, first).count == 5  # 30 Mar, 20 Apr, 11 May, 1 Jun, 22 Jun
    late = _schedule(datetime(2026, 6, 29, 16, tzinfo=UTC))
    assert fit_series(policy, late).count == 1
    assert fit_series(policy, _schedule(None)) == policy


def test_unset_meeting_fields_keep_the_deployments() -> None:
    record = RECORD.model_copy(update={"meeting_minutes": None, "meeting_interval_weeks": None})
    _, policy = program_settings(record, program=DEFAULT, meetings=POLICY)
    assert (policy.length, policy.interval_weeks) == (POLICY.length, POLICY.interval_weeks)


def _calendar(message: EmailMessage) -> Calendar:
    [part] = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    assert isinstance(part, EmailMessage)
    return Calendar.from_ical(part.get_content())


async def test_the_emails_of_a_program_with_a_record_come_from_its_mailbox_with_its_series() -> (
    None
):
    mailer = FakeMailer()
    notifier = Notifier(
        store=FakeStore(),
        mailer=mailer,
        publisher=FakePublisher(),
        topic="notifications",
        program=DEFAULT,
        meetings=POLICY,
        lease=timedelta(minutes=3),
        invite_key=b"invite-key",
        clock=lambda: datetime(2026, 3, 23, 8, tzinfo=UTC),
        programs=FakePrograms(RECORD),
    )

    await notifier.pairing_proposed(proposed())

    message = mailer.sent[0]
    assert message["From"] == "EMEA 2027 <emea@example.org>"
    [event] = _calendar(message).walk("VEVENT")
    assert "emea@example.org" in str(event["ORGANIZER"])
    assert event["DTEND"].dt - event["DTSTART"].dt == timedelta(minutes=45)
    rule = event["RRULE"]
    assert (rule["INTERVAL"], rule["COUNT"]) == ([3], [5])
    assert "EMEA 2027" in str(event["SUMMARY"])
