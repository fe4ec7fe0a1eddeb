"""The notifier end to end on the real broker, the real store and a real SMTP server."""

from collections.abc import Sequence

import pytest
from icalendar import Calendar
from prometheus_client import REGISTRY
from pymongo.asynchronous.database import AsyncDatabase

from services.notifier.compose import NotificationKey
from services.notifier.invites import invite_uid
from services.notifier.settings import NotifierSettings
from services.notifier.store import MongoNotificationStore
from shared.mongo import Document
from shared.topics import Topics
from shared.vocabulary import Skill, label
from tests.builders.notifier import berliner, cancelled, new_yorker, proposed
from tests.helpers import eventually, read_topic
from tests.integration.notifier.conftest import (
    SmtpServer,
    notifications,
    publish_event,
    publish_raw,
    running,
)

pytestmark = pytest.mark.integration

REQUIRED = ("UID", "DTSTAMP", "DTSTART", "DTEND", "SEQUENCE", "SUMMARY", "ORGANIZER", "RRULE")


def redeliveries(topic: str) -> float:
    return REGISTRY.get_sample_value("redelivered_messages_total", {"topic": topic}) or 0.0


def calendar_of(message: object) -> Calendar:
    parts = [p for p in message.walk() if p.get_content_type() == "text/calendar"]  # type: ignore[attr-defined]
    assert len(parts) == 1
    return Calendar.from_ical(parts[0].get_content())


def plain(message: object) -> str:
    return str(message.get_body(("plain",)).get_content())  # type: ignore[attr-defined]


async def test_proposal_reaches_both_people_with_a_complete_invite_and_is_published_as_sent(
    kafka_bootstrap: str, topics: Topics, settings: NotifierSettings, smtp: SmtpServer
) -> None:
    event = proposed()
    pairing_id = event.data.pairing_id

    async with running(settings):
        await publish_event(kafka_bootstrap, topics.pairings, pairing_id, event)
        await eventually(lambda: len(smtp.sink.received) == 2)
        sent = await notifications(kafka_bootstrap, topics, count=2)

    [jana], [robert] = smtp.sink.to("jana@example.org"), smtp.sink.to("robert@example.org")
    for message in (jana, robert):
        calendar = calendar_of(message)
        assert calendar["METHOD"] == "REQUEST"
        [vevent] = calendar.walk("VEVENT")
        assert all(name in vevent for name in REQUIRED)
        assert vevent["UID"] == invite_uid(
            pairing_id, settings.invite_key.get_secret_value().encode()
        )
        assert vevent["ORGANIZER"] == f"mailto:{settings.program_mailbox}"
        attendees = {str(a): a.params for a in vevent["ATTENDEE"]}
        assert set(attendees) == {"mailto:jana@example.org", "mailto:robert@example.org"}
        assert all(params["RSVP"] == "TRUE" for params in attendees.values())
        assert [tz.tz_name for tz in calendar.timezones] == ["America/New_York"]
    # The first common Monday is after Europe's DST change: right for both.
    assert "Montag, 30. März 2026, 18:00\u201319:00 Uhr (Europe/Berlin, CEST)" in plain(jana)
    assert "Monday, 30 March 2026, 12:00\u201313:00 (America/New_York, EDT)" in plain(robert)
    assert {key for key, _ in sent} == {pairing_id}
    assert sorted(e.data.recipient_id for _, e in sent) == sorted(
        [event.data.younger.id, event.data.older.id]
    )
    assert {e.event_type for _, e in sent} == {"notification.sent"}


async def test_cancel_carries_the_same_uid_and_a_higher_sequence(
    kafka_bootstrap: str, topics: Topics, settings: NotifierSettings, smtp: SmtpServer
) -> None:
    proposal = proposed(sequence=1)
    pairing_id = proposal.data.pairing_id

    async with running(settings):
        await publish_event(kafka_bootstrap, topics.pairings, pairing_id, proposal)
        await publish_event(kafka_bootstrap, topics.pairings, pairing_id, cancelled(proposal))
        await eventually(lambda: len(smtp.sink.received) == 4)

    request, cancel = (calendar_of(m) for m in smtp.sink.to("robert@example.org"))
    [old], [new] = request.walk("VEVENT"), cancel.walk("VEVENT")
    assert cancel["METHOD"] == "CANCEL" and new["STATUS"] == "CANCELLED"
    assert new["UID"] == old["UID"]
    assert new["SEQUENCE"] > old["SEQUENCE"]
    assert "one of you declined it" in plain(smtp.sink.to("robert@example.org")[1])


async def test_the_same_event_published_twice_sends_one_email_per_person(
    kafka_bootstrap: str, topics: Topics, settings: NotifierSettings, smtp: SmtpServer
) -> None:
    event = proposed()
    key = event.data.pairing_id

    async with running(settings):
        await publish_event(kafka_bootstrap, topics.pairings, key, event)
        await publish_event(kafka_bootstrap, topics.pairings, key, event)
        marker = proposed()  # same partition order: done once this one is
        await publish_event(kafka_bootstrap, topics.pairings, key, marker)
        await eventually(lambda: len(smtp.sink.received) == 4)
        await notifications(kafka_bootstrap, topics, count=4)

    assert len(smtp.sink.to("jana@example.org")) == 2  # one per pairing
    assert len(smtp.sink.to("robert@example.org")) == 2
    assert len({m["Message-ID"] for r in smtp.sink.received for m in [r.message]}) == 4


async def test_smtp_down_then_up_delivers_exactly_once(
    kafka_bootstrap: str, topics: Topics, settings: NotifierSettings, smtp_server: SmtpServer
) -> None:
    event = proposed()
    key = event.data.pairing_id

    async with running(settings):
        await publish_event(kafka_bootstrap, topics.pairings, key, event)
        await publish_event(kafka_bootstrap, topics.pairings, key, proposed())  # waits behind it
        # Nothing listens yet: wait until the event was redelivered after failed attempts.
        await eventually(lambda: redeliveries(topics.pairings) >= 2)
        smtp_server.start()
        await eventually(lambda: len(smtp_server.sink.received) == 4)
        published = await notifications(kafka_bootstrap, topics, count=4)

    assert [len(smtp_server.sink.to(a)) for a in ("jana@example.org", "robert@example.org")] == [
        2,
        2,
    ]
    assert len(published) == 4
    assert {e.event_type for _, e in published} == {"notification.sent"}


async def test_permanent_refusal_is_published_as_notification_failed(
    kafka_bootstrap: str, topics: Topics, settings: NotifierSettings, smtp: SmtpServer
) -> None:
    smtp.sink.refuse["robert@example.org"] = "550 5.1.1 <robert@example.org>: no such user"
    event = proposed()

    async with running(settings):
        await publish_event(kafka_bootstrap, topics.pairings, event.data.pairing_id, event)
        published = await notifications(kafka_bootstrap, topics, count=2)

    outcome = {e.data.recipient_id: e for _, e in published}
    assert outcome[event.data.younger.id].event_type == "notification.sent"
    failed = outcome[event.data.older.id]
    assert failed.event_type == "notification.failed" and failed.data.detail == "SMTP 550"
    assert len(smtp.sink.received) == 1


async def test_names_with_header_syntax_do_not_add_recipients_or_headers(
    kafka_bootstrap: str, topics: Topics, settings: NotifierSettings, smtp: SmtpServer
) -> None:
    sneaky = 'Eve" <eve@evil.example>, Bcc: victim@evil.example; X-Injected: yes'
    event = proposed(
        younger=berliner(name=sneaky), older=new_yorker(name="Bcc: victim@evil.example")
    )

    async with running(settings):
        await publish_event(kafka_bootstrap, topics.pairings, event.data.pairing_id, event)
        await eventually(lambda: len(smtp.sink.received) == 2)

    for got in smtp.sink.received:
        assert len(got.recipients) == 1 and "evil.example" not in got.recipients[0]
        assert got.message["Bcc"] is None and got.message["X-Injected"] is None
        assert len(got.message["To"].addresses) == 1
    assert sneaky in smtp.sink.to("robert@example.org")[0]["Subject"]


async def test_name_with_a_line_break_goes_to_the_dead_letter_topic_with_the_reason(
    kafka_bootstrap: str, topics: Topics, settings: NotifierSettings, smtp: SmtpServer
) -> None:
    event = proposed()
    raw = event.model_dump_json().replace("Jana Schmidt", "Jana\\r\\nBcc: victim@evil.example")
    after = proposed()

    async with running(settings):
        await publish_raw(kafka_bootstrap, topics.pairings, "k", raw.encode())
        await publish_event(kafka_bootstrap, topics.pairings, "k", after)
        await eventually(lambda: len(smtp.sink.received) == 2)

    [dead] = await read_topic(kafka_bootstrap, Topics.dead_letter(topics.pairings), count=1)
    headers = dict(dead.headers)
    assert headers["dlq_error_type"] == b"ValidationError"
    assert b"control characters" in headers["dlq_error"]
    assert all("victim" not in str(r.recipients) for r in smtp.sink.received)


async def test_restart_that_rereads_the_topic_sends_nothing_again(
    kafka_bootstrap: str, topics: Topics, settings: NotifierSettings, smtp: SmtpServer
) -> None:
    event = proposed()
    async with running(settings):
        await publish_event(kafka_bootstrap, topics.pairings, event.data.pairing_id, event)
        await eventually(lambda: len(smtp.sink.received) == 2)

    # A new consumer group reads from the start, as after lost offsets; the records remain.
    reread = settings.model_copy(update={"group_id": settings.group_id + "-again"})
    marker = proposed()
    async with running(reread):
        await publish_event(kafka_bootstrap, topics.pairings, event.data.pairing_id, marker)
        await eventually(lambda: len(smtp.sink.received) == 4)

    assert len(smtp.sink.to("jana@example.org")) == 2  # the first pairing's once, the marker's


class CrashBeforeMarkingPublished(MongoNotificationStore):
    """The real store, except that the first `mark_published` dies, as a process would."""

    crashed = False

    async def mark_published(self, keys: Sequence[NotificationKey]) -> None:
        if not self.crashed:
            self.crashed = True
            raise RuntimeError("crash after publishing, before marking")
        await super().mark_published(keys)


async def test_crash_between_publishing_and_marking_sends_no_email_again(
    kafka_bootstrap: str,
    topics: Topics,
    settings: NotifierSettings,
    smtp: SmtpServer,
    mongo: AsyncDatabase[Document],
) -> None:
    event = proposed()

    async with running(settings, store=CrashBeforeMarkingPublished(mongo)):
        await publish_event(kafka_bootstrap, topics.pairings, event.data.pairing_id, event)
        published = await notifications(kafka_bootstrap, topics, count=4)

    assert len(smtp.sink.received) == 2
    ids = [e.event_id for _, e in published]
    assert len(set(ids)) == 2  # both events went out twice, each time with the same id
    docs = await mongo.notifications.find({"pairing_id": event.data.pairing_id}).to_list()
    marked = [await mongo.published.find_one({"_id": d["_id"]}) for d in docs]
    assert len(docs) == 2 and all(marked)


async def test_the_delivered_german_email_names_skills_and_languages_in_german(
    kafka_bootstrap: str, topics: Topics, settings: NotifierSettings, smtp: SmtpServer
) -> None:
    event = proposed()
    why = event.data.explanation
    why.younger_teaches[:] = [label(Skill.CONTENT_CREATION), label(Skill.DIGITAL_TOOLS)]
    why.older_teaches[:] = [label(Skill.STRATEGY), "works council relations"]
    why.shared_languages[:] = ["de", "en"]

    async with running(settings):
        await publish_event(kafka_bootstrap, topics.pairings, event.data.pairing_id, event)
        await eventually(lambda: len(smtp.sink.received) == 2)

    [jana], [robert] = smtp.sink.to("jana@example.org"), smtp.sink.to("robert@example.org")
    html = str(jana.get_body(("html",)).get_content())  # type: ignore[union-attr]
    for body in (plain(jana), html):
        assert (
            "Das bringen Sie Robert Miller bei: Content-Erstellung und digitale Werkzeuge." in body
        )
        assert "Ihnen bei: Strategie und works council relations." in body
        assert "Gemeinsame Sprachen: Deutsch und Englisch." in body
    assert "You will teach Jana Schmidt: strategy and works council relations." in plain(robert)
    assert "Languages you share: German and English." in plain(robert)
