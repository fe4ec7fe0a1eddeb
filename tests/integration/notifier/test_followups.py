"""The follow-up emails on the real broker, the real store and a real SMTP server: the program's
alarm in the invite, reminders, check-ins, nudges and the thank-you at the program's end, each
once per person across a redelivery and a restart, and a one-click unsubscribe that stops the
reminders but not the check-ins."""

import re
from email.message import EmailMessage

import httpx
import pytest
from icalendar import Calendar
from pydantic import SecretStr
from pymongo.asynchronous.database import AsyncDatabase

from services.notifier.settings import NotifierSettings
from shared.envelope import Envelope
from shared.events import ProgramChanged
from shared.mongo import Document
from shared.program_records import MongoProgramRecords
from shared.topics import Topics
from tests.builders.notifier import cancelled, checkin, proposed, reminded
from tests.helpers import eventually
from tests.integration.notifier.conftest import SmtpServer, notifications, publish_event, running
from tests.unit.notifier.test_followup_notify import program

pytestmark = pytest.mark.integration
KEY = "integration-test-key-0123456789"


@pytest.fixture
def linked(settings: NotifierSettings) -> NotifierSettings:
    """With answer and unsubscribe links."""
    return settings.model_copy(
        update={
            "answer_link_keys": [SecretStr(KEY)],
            "answer_link_base_url": "https://mentoring.example.org",
            "public_base_url": "https://mail.example.org",
        }
    )


def subjects(smtp: SmtpServer, address: str) -> list[str]:
    return sorted(str(message["Subject"]) for message in smtp.sink.to(address))


def alarms(message: EmailMessage) -> list[str]:
    [calendar] = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    parsed = Calendar.from_ical(calendar.get_content())  # type: ignore[attr-defined]
    return [alarm["TRIGGER"].to_ical().decode() for alarm in parsed.walk("VALARM")]


async def test_the_invite_reminds_at_the_programs_lead_time(
    kafka_bootstrap: str,
    topics: Topics,
    settings: NotifierSettings,
    smtp: SmtpServer,
    mongo: AsyncDatabase[Document],
) -> None:
    record = program("prog-1", alarm=10, version=1)
    changed = ProgramChanged.model_validate({"producer": "profiles", "data": record.model_dump()})
    event = proposed()

    async with running(settings):
        await publish_event(kafka_bootstrap, topics.program_changes, "prog-1", changed)
        records = MongoProgramRecords(mongo)
        await eventually(lambda: records.get("prog-1"))
        await publish_event(kafka_bootstrap, topics.pairings, event.data.pairing_id, event)
        await eventually(lambda: len(smtp.sink.received) == 2)

    assert [alarms(r.message) for r in smtp.sink.received] == [["-PT10M"], ["-PT10M"]]


async def test_each_followup_reaches_its_people_once_across_a_redelivery_and_a_restart(
    kafka_bootstrap: str, topics: Topics, linked: NotifierSettings, smtp: SmtpServer
) -> None:
    event = proposed()
    younger, older = event.data.younger.id, event.data.older.id
    followups: list[Envelope] = [
        reminded(event, waiting_on=[younger]),
        checkin(event),
        checkin(event, waiting_on=[older]),
        cancelled(event, reason_code="program_ended"),
    ]
    key = event.data.pairing_id

    async with running(linked):
        for followup in followups * 2:  # the second time: a redelivery
            await publish_event(kafka_bootstrap, topics.pairings, key, followup)
        await notifications(kafka_bootstrap, topics, count=6)
    reread = linked.model_copy(update={"group_id": linked.group_id + "-again"})
    marker = proposed(pairing_id=key + "-m")
    async with running(reread):  # a new group: the topic is read again from its start
        await publish_event(kafka_bootstrap, topics.pairings, key, marker)
        await eventually(lambda: len(smtp.sink.received) == 8)

    assert subjects(smtp, "jana@example.org") == [
        "Erinnerung: Robert Miller wartet auf Ihre Antwort",
        "Ihr Reverse-Mentoring-Tandem mit Robert Miller ist beendet",
        "Ihr Reverse-Mentoring-Tandem: Robert Miller",  # the marker
        "Wie läuft es mit Robert Miller?",
    ]
    assert subjects(smtp, "robert@example.org") == [
        "A click left: how is it going with Jana Schmidt?",
        "How is it going with Jana Schmidt?",
        "Meet Jana Schmidt, your reverse-mentoring partner",  # the marker
        "Your reverse-mentoring pairing with Jana Schmidt has ended",
    ]
    assert all(len(r.recipients) == 1 for r in smtp.sink.received)


async def test_after_one_click_unsubscribe_no_reminder_comes_but_the_checkin_does(
    kafka_bootstrap: str, topics: Topics, linked: NotifierSettings, smtp: SmtpServer
) -> None:
    event = proposed()
    older = event.data.older.id
    key = event.data.pairing_id

    async with running(linked) as app:
        await publish_event(
            kafka_bootstrap, topics.pairings, key, reminded(event, waiting_on=[older])
        )
        await eventually(lambda: len(smtp.sink.received) == 1)
        [reminder] = smtp.sink.to("robert@example.org")
        assert reminder["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        [url] = re.findall(r"<(https://[^>]+)>", reminder["List-Unsubscribe"])
        transport = httpx.ASGITransport(app)
        async with httpx.AsyncClient(transport=transport, base_url="https://mail.example.org") as c:
            clicked = await c.post(
                url.removeprefix("https://mail.example.org"),
                content="List-Unsubscribe=One-Click",
                headers={"Content-Type": "application/x-www-form-urlencoded"},
            )
        assert clicked.status_code == 200
        for followup in (checkin(event, waiting_on=[older]), checkin(event, checkin_id="later")):
            await publish_event(kafka_bootstrap, topics.pairings, key, followup)
        published = await notifications(kafka_bootstrap, topics, count=4)

    outcomes = sorted((e.data.state, e.event_type, e.data.detail or "") for _, e in published)
    assert [(state, kind) for state, kind, _ in outcomes] == [
        ("checkin.later", "notification.sent"),
        ("checkin.later", "notification.sent"),
        ("nudged.mid-program", "notification.failed"),
        ("reminded", "notification.sent"),
    ]
    assert outcomes[2][2] == "unsubscribed from reminders"
    assert subjects(smtp, "robert@example.org") == [
        "How is it going with Jana Schmidt?",
        "Reminder: Jana Schmidt is waiting for your answer",
    ]
