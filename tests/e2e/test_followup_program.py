"""A whole program, with one fake clock shared by the matcher and the notifier: a proposal, a
reminder to the one who has not answered, the acceptance, a check-in after the second meeting,
a nudge to the one who has not answered it, a re-match request, a new partner, and the program's
end with its final check-in and thank-you. Each person receives exactly the expected emails, in
their language, once each, across a notifier restart.

Both services run in this process, not as the `system` fixture's processes: a fake clock cannot
cross into another process. They run on the real broker, the real store and a real SMTP server;
the profiles service's part is played by publishing on its topics, as the other services' tests
do. Each email is known by its Message-ID, which the notifier derives from the occasion
(pairing, state, person): a second email for one occasion would show as a second entry.
"""

import re
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

import httpx
import pytest
from fastapi import FastAPI

from services.matcher.runtime import current
from services.matcher.settings import MatcherSettings
from services.notifier.app import create_app as notifier_app
from services.notifier.emails import message_id_for
from services.notifier.settings import NotifierSettings
from shared.answer_links import AnswerLinks
from shared.envelope import Envelope
from shared.events import ProfileChanged, ProgramChanged
from shared.kafka import make_broker
from shared.mongo import mongo_client
from shared.profile import ProfileSnapshot
from shared.program_records import MongoProgramRecords
from shared.settings import CommonSettings
from shared.topics import Topics
from tests.builders.matcher import old, young
from tests.builders.programs import program_snapshot
from tests.helpers import FakeClock, broker_connected, eventually, free_port, publish
from tests.integration.matcher.conftest import ADMIN, http, running
from tests.integration.notifier.conftest import SmtpServer, SmtpSink, notifier_settings

KEY = "e2e-followup-answer-key-0123"
START = datetime(2027, 2, 1, 9, 0, tzinfo=UTC)  # a Monday, the program's first day
MAILBOX = "mentoring-emea@example.org"  # the program record's sender
LINKS = AnswerLinks([KEY], base_url="")


@pytest.fixture
async def smtp() -> AsyncIterator[SmtpServer]:
    server = SmtpServer(SmtpSink(), free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture
async def notifier_db(mongo_uri: str, mongo_db: str) -> AsyncIterator[str]:
    name = f"{mongo_db}n"
    yield name
    client = mongo_client(mongo_uri)
    try:
        await client.drop_database(name)
    finally:
        await client.close()


def matcher_settings(
    kafka: str, mongo_uri: str, db: str, topics: Topics, unique: str
) -> MatcherSettings:
    return MatcherSettings(
        kafka_bootstrap_servers=kafka,
        mongodb_uri=mongo_uri,
        topic_prefix=topics.prefix,
        mongodb_database=db,
        people_group_id=f"people-{unique}",
        programs_group_id=f"programs-{unique}",
        responses_group_id=f"responses-{unique}",
        work_group_id=f"work-{unique}",
        dead_letter_retry_seconds=0.2,
        sweep_interval_seconds=0.5,
        batch_window_ms=50,
        log_json=False,
        answer_link_keys=[KEY],
        api_keys={ADMIN: ["admin"]},
    )


@asynccontextmanager
async def notifier(
    settings: NotifierSettings, clock: Callable[[], datetime]
) -> AsyncIterator[FastAPI]:
    app = notifier_app(settings, clock=clock)
    async with app.router.lifespan_context(app):
        await broker_connected(app)
        yield app


class Program:
    """What the test does as people and as the profiles service."""

    def __init__(self, kafka: str, topics: Topics, program: str) -> None:
        self.kafka, self.topics, self.id = kafka, topics, program

    async def publish(self, topic: str, key: str, event: Envelope) -> None:
        broker = make_broker(CommonSettings(kafka_bootstrap_servers=self.kafka), client_id="e2e")
        async with broker:
            await broker.start()
            await publish(broker, topic, key, event)

    async def record(self) -> None:
        record = program_snapshot(
            self.id,
            schedule={"mode": "continuous", "settle_minutes": 0},
            policy={},
            enrolment_opens=None,
            enrolment_closes=None,
            starts_on="2027-02-01",
            ends_on="2027-03-31",
            alarm_minutes_before=15,
        )
        await self.publish(
            self.topics.program_changes, self.id, ProgramChanged(producer="p", data=record)
        )

    async def join(self, *people: ProfileSnapshot) -> None:
        for person in people:
            event = ProfileChanged(producer="profiles", data=person)
            await self.publish(self.topics.profile_changes, person.id, event)


async def respond(client: httpx.AsyncClient, pairing: str, person: str, decision: str) -> None:
    body = {"person_id": person, "decision": decision}
    assert (await client.post(f"/pairings/{pairing}/responses", json=body)).status_code == 202


def link(message: EmailMessage, action: str, now: datetime) -> str:
    """The path of the email's answer link for `action` (its token says which it is)."""
    text = message.get_body(("plain",))
    assert text is not None
    tokens = re.findall(r"/answers/([\w.\-]+)", text.get_content())
    [token] = {t for t in tokens if LINKS.read(t, now=now).action == action}
    return f"/answers/{token}"


def language(message: EmailMessage) -> str:
    html = message.get_body(("html",))
    assert html is not None
    found = re.search(r'<html lang="(\w+)"', html.get_content())
    return found.group(1) if found else ""


async def test_a_whole_program_sends_each_person_the_expected_emails_once_in_their_language(
    kafka_bootstrap: str,
    mongo_uri: str,
    mongo_db: str,
    notifier_db: str,
    topics: Topics,
    unique: str,
    smtp: SmtpServer,
) -> None:
    clock, program = FakeClock(START), Program(kafka_bootstrap, topics, f"{unique}-p")
    mia = young(
        f"{unique}-mia",
        program=program.id,
        name="Mia",
        email=f"mia-{unique}@example.org",
        languages=["de", "en"],
    )
    otto = old(
        f"{unique}-otto", program=program.id, name="Otto", email=f"otto-{unique}@example.org"
    )
    olga = old(
        f"{unique}-olga",
        program=program.id,
        name="Olga",
        email=f"olga-{unique}@example.org",
        birth_year=1970,
    )
    matcher = matcher_settings(kafka_bootstrap, mongo_uri, mongo_db, topics, unique)
    mailer = notifier_settings(
        kafka=kafka_bootstrap, mongo_uri=mongo_uri, database=notifier_db, topics=topics,
        group=f"notifier-{unique}", smtp_port=smtp.port,
    ).model_copy(update={"answer_link_keys": matcher.answer_link_keys})  # fmt: skip
    inbox = smtp.sink

    def to(person: ProfileSnapshot) -> list[EmailMessage]:
        return inbox.to(person.email)

    await program.record()
    async with running(matcher, clock=clock) as app, http(app) as client:
        await eventually(lambda: current(app).programs.get(program.id), within=30)
        async with notifier(mailer, clock):
            reader = mongo_client(mongo_uri)
            records = MongoProgramRecords(reader[notifier_db])
            await eventually(lambda: records.get(program.id), within=30)  # sender, alarm
            await reader.close()
            await program.join(mia, otto)
            await eventually(lambda: len(to(mia)) == 1 and len(to(otto)) == 1, within=60)
            first = await client.get(f"/pairings?program_id={program.id}")
            [p1] = [p["id"] for p in first.json()]
            await respond(client, p1, otto.id, "accept")
            clock.set(START + timedelta(hours=85))  # halfway to the proposal's expiry
            await eventually(lambda: len(to(mia)) == 2, within=60)  # the reminder
        async with notifier(mailer, clock):  # a restart
            # Mia accepts from the reminder, answers her check-in from its email, and Otto asks
            # for a new partner from his nudge: with the links those emails carry
            assert (await client.post(link(to(mia)[-1], "accept", clock()))).status_code == 200
            await eventually(lambda: len(to(mia)) == 3 and len(to(otto)) == 2, within=60)
            # the second meeting (Tuesdays 17:00-18:00 UTC from 2 February) ends on 16 February
            clock.set(datetime(2027, 2, 16, 18, 1, tzinfo=UTC))
            await eventually(lambda: len(to(mia)) == 4 and len(to(otto)) == 3, within=60)
            answer = {"met": "yes", "usefulness": "4"}
            sent = await client.post(link(to(mia)[-1], "checkin", clock()), data=answer)
            assert sent.status_code == 200
            await eventually(lambda: _answered(app, p1, mia.id), within=30)
            clock.set(datetime(2027, 2, 23, 18, 1, tzinfo=UTC))  # halfway to the close
            await eventually(lambda: len(to(otto)) == 4, within=60)  # the nudge: Otto only
            assert (await client.post(link(to(otto)[-1], "rematch", clock()))).status_code == 200
            await eventually(lambda: len(to(mia)) == 5 and len(to(otto)) == 5, within=60)
            await program.join(olga)
            await eventually(lambda: len(to(olga)) == 1, within=60)
            found = await client.get(f"/pairings?program_id={program.id}&person_id={olga.id}")
            [p2] = [p["id"] for p in found.json()]
            for person in (mia, olga):
                await respond(client, p2, person.id, "accept")
            await eventually(lambda: len(to(olga)) == 2 and len(to(mia)) == 7, within=60)
            clock.set(datetime(2027, 3, 31, 22, 1, tzinfo=UTC))  # 1 April in Berlin: it is over
            await eventually(lambda: len(to(olga)) == 4 and len(to(mia)) == 9, within=60)

    def expected(person: ProfileSnapshot, *occasions: tuple[str, str]) -> list[str]:
        return sorted(message_id_for(f"{p}:{state}:{person.id}", MAILBOX) for p, state in occasions)

    def received(person: ProfileSnapshot) -> list[str]:
        return sorted(str(m["Message-ID"]) for m in to(person))

    assert received(mia) == expected(
        mia,
        (p1, "proposed"), (p1, "reminded"), (p1, "active"), (p1, "checkin.after-second-meeting"),
        (p1, "cancelled"), (p2, "proposed"), (p2, "active"), (p2, "checkin.program-end"),
        (p2, "cancelled"),
    )  # fmt: skip
    assert received(otto) == expected(
        otto,
        (p1, "proposed"), (p1, "active"), (p1, "checkin.after-second-meeting"),
        (p1, "nudged.after-second-meeting"), (p1, "cancelled"),
    )  # fmt: skip
    assert received(olga) == expected(
        olga, (p2, "proposed"), (p2, "active"), (p2, "checkin.program-end"), (p2, "cancelled")
    )
    assert {language(m) for m in to(mia)} == {"de"}
    assert {language(m) for m in to(otto) + to(olga)} == {"en"}
    assert all(len(r.recipients) == 1 for r in inbox.received)


async def _answered(app: FastAPI, pairing: str, person: str) -> bool:
    key = f"{pairing}#after-second-meeting#{person}"
    return bool(await current(app).checkin_answers.current([key]))
