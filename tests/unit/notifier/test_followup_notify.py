"""The follow-up use cases with fakes: each email once per (pairing, occasion, person), the
program's alarm in the invite, and no reminder or nudge to a person who unsubscribed."""

from datetime import UTC, date, datetime, timedelta

from icalendar import Calendar

from services.notifier.notify import Notifier
from services.notifier.unsubscribe import UnsubscribeLinks
from shared.answer_links import AnswerLinks
from shared.events import CheckinNudged, CheckinOpened
from shared.programs import ProgramSnapshot
from tests.builders.notifier import checkin, proposed, reminded
from tests.fakes.notifier import FakeMailer, FakePublisher, FakeStore
from tests.fakes.programs import FakePrograms
from tests.unit.notifier.test_letters import PROGRAM, part
from tests.unit.notifier.test_notify import KEY, LEASE, POLICY, Clock

LINKS = AnswerLinks(["unit-test-key-0123456789"], base_url="https://mentoring.example.org")
UNSUBSCRIBE = UnsubscribeLinks(["unit-test-key-0123456789"], base_url="https://mail.example.org")


def notifier(
    store: FakeStore,
    mailer: FakeMailer,
    publisher: FakePublisher,
    programs: FakePrograms | None = None,
) -> Notifier:
    return Notifier(
        store=store,
        mailer=mailer,
        publisher=publisher,
        topic="notifications",
        program=PROGRAM,
        meetings=POLICY,
        lease=LEASE,
        invite_key=KEY,
        clock=Clock(),
        links=LINKS,
        unsubscribe=UNSUBSCRIBE,
        alarm=timedelta(minutes=30),
        programs=programs,
    )


def program(program_id: str, *, alarm: int | None, version: int = 1) -> ProgramSnapshot:
    return ProgramSnapshot.model_validate(
        {
            "id": program_id,
            "name": "Spring",
            "timezone": "Europe/Berlin",
            "schedule": {"mode": "continuous"},
            "starts_on": date(2026, 3, 1),
            "ends_on": date(2026, 9, 30),
            "sender": "mentoring@example.org",
            "alarm_minutes_before": alarm,
            "version": version,
            "updated_at": datetime(2026, 3, 1, tzinfo=UTC),
        }
    )


def triggers(mailer: FakeMailer) -> list[timedelta]:
    found = []
    for message in mailer.sent:
        calendar = Calendar.from_ical(part(message, "text/calendar").get_content())
        found += [alarm["TRIGGER"].dt for alarm in calendar.walk("VALARM")]
    return found


async def test_the_invite_alarm_is_the_programs_and_else_the_deployments() -> None:
    mailer, programs = FakeMailer(), FakePrograms(program("prog-1", alarm=15, version=2))
    service = notifier(FakeStore(), mailer, FakePublisher(), programs)

    await service.pairing_proposed(proposed())
    assert triggers(mailer) == [-timedelta(minutes=15)] * 2

    mailer.sent.clear()
    await programs.apply(program("prog-1", alarm=None, version=3))
    await service.pairing_proposed(proposed())
    assert triggers(mailer) == [-timedelta(minutes=30)] * 2


async def test_each_followup_is_sent_once_per_person_and_occasion_whatever_is_redelivered() -> None:
    store, mailer, publisher = FakeStore(), FakeMailer(), FakePublisher()
    service = notifier(store, mailer, publisher)
    event = proposed()
    younger, older = event.data.younger.id, event.data.older.id
    opened, other = checkin(event), checkin(event, checkin_id="after-second-meeting")
    nudge = checkin(event, waiting_on=[older])
    assert isinstance(opened, CheckinOpened) and isinstance(other, CheckinOpened)
    assert isinstance(nudge, CheckinNudged)

    for _ in range(2):
        await service.pairing_reminded(reminded(event, waiting_on=[younger]))
        await service.checkin_opened(opened)
        await service.checkin_opened(other)
        await service.checkin_nudged(nudge)

    assert mailer.recipients() == [
        "jana@example.org",  # the reminder
        "jana@example.org",  # two check-ins, to both
        "robert@example.org",
        "jana@example.org",
        "robert@example.org",
        "robert@example.org",  # the nudge
    ]
    assert publisher.types() == ["notification.sent"] * 6
    states = sorted({e.data.state for _, e in publisher.published})
    assert states == [
        "checkin.after-second-meeting",
        "checkin.mid-program",
        "nudged.mid-program",
        "reminded",
    ]


async def test_who_unsubscribed_gets_no_reminder_and_no_nudge_ever_but_the_checkins() -> None:
    store, mailer, publisher = FakeStore(), FakeMailer(), FakePublisher()
    service = notifier(store, mailer, publisher)
    event = proposed()
    robert = event.data.older.id
    await store.unsubscribe(robert, at=Clock()())
    both = [event.data.younger.id, robert]

    await service.pairing_reminded(reminded(event, waiting_on=both))
    nudge = checkin(event, waiting_on=both)
    assert isinstance(nudge, CheckinNudged)
    await service.checkin_nudged(nudge)
    opened = checkin(event)
    assert isinstance(opened, CheckinOpened)
    await service.checkin_opened(opened)
    store.unsubscribed_at.clear()  # even were the preference gone, the skipped ones stay skipped
    await service.pairing_reminded(reminded(event, waiting_on=both))

    assert mailer.recipients().count("robert@example.org") == 1  # the check-in
    assert mailer.recipients().count("jana@example.org") == 3
    skipped = [e for _, e in publisher.published if e.event_type == "notification.failed"]
    assert [(e.data.state, e.data.recipient_id) for e in skipped] == [
        ("reminded", robert),
        ("nudged.mid-program", robert),
    ]
    assert {e.data.detail for e in skipped} == {"unsubscribed from reminders"}
