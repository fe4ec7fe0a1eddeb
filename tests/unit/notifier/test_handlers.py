"""`on_pairings` with FastStream's in-memory broker and fakes: routing by event type."""

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from faststream.kafka import KafkaBroker, TestKafkaBroker

from services.notifier.app import create_app
from services.notifier.settings import NotifierSettings
from shared.events import CheckinAnswered, PairingActivated
from shared.kafka import encode
from tests.builders.notifier import BEFORE_EU_DST, cancelled, checkin, proposed, reminded
from tests.fakes.notifier import FakeMailer, FakeStore

SETTINGS = NotifierSettings(smtp_security="none", claim_lease_seconds=120)


@dataclass
class Running:
    broker: KafkaBroker
    mailer: FakeMailer
    store: FakeStore


@pytest.fixture
async def running() -> AsyncIterator[Running]:
    mailer, store = FakeMailer(), FakeStore()
    app = create_app(SETTINGS, store=store, mailer=mailer, clock=lambda: BEFORE_EU_DST)
    async with TestKafkaBroker(app.state.broker) as broker, app.router.lifespan_context(app):
        yield Running(broker, mailer, store)


async def test_proposal_and_cancel_each_send_to_both_people(running: Running) -> None:
    event = proposed()

    await running.broker.publish(encode(event), topic=SETTINGS.topics.pairings)
    await running.broker.publish(encode(cancelled(event)), topic=SETTINGS.topics.pairings)

    subjects = [m["Subject"] for m in running.mailer.sent]
    assert len(subjects) == 4
    assert "abgesagt" in subjects[2] and "cancelled" in subjects[3]


async def test_activation_sends_nothing(running: Running) -> None:
    activated = PairingActivated.model_validate(
        {"producer": "matcher", "data": {"pairing_id": "pair-1", "program_id": "p", "sequence": 2}}
    )

    await running.broker.publish(encode(activated), topic=SETTINGS.topics.pairings)

    assert running.mailer.calls == 0 and running.store.records == {}


async def test_followups_are_routed_and_answers_and_flags_send_nothing(running: Running) -> None:
    event = proposed()
    younger = event.data.younger.id
    answered = CheckinAnswered.model_validate(
        {
            "producer": "matcher",
            "data": {
                "pairing_id": event.data.pairing_id,
                "program_id": "prog-1",
                "checkin_id": "mid-program",
                "person_id": younger,
                "role": "younger",
                "met": "yes",
                "answered_at": BEFORE_EU_DST,
                "revision": 1,
                "sequence": 3,
            },
        }
    )

    for followup in (reminded(event, waiting_on=[younger]), checkin(event), answered):
        await running.broker.publish(encode(followup), topic=SETTINGS.topics.pairings)

    assert running.mailer.recipients() == [
        "jana@example.org",
        "jana@example.org",
        "robert@example.org",
    ]
