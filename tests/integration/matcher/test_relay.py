"""The relay publishes what the pairing documents hold, in order, once."""

import pytest
from pydantic import TypeAdapter
from pymongo.asynchronous.database import AsyncDatabase

from services.matcher.adapters.pairing_store import MongoPairings
from services.matcher.adapters.relay import Relay
from services.matcher.core import lifecycle
from services.matcher.usecases.messages import event_for
from shared.events import PairingEvent
from shared.kafka import make_broker
from shared.mongo import Document
from shared.publisher import BrokerPublisher
from shared.settings import CommonSettings
from shared.topics import Topics
from tests.builders.matcher import NOW, pairing
from tests.helpers import read_topic

pytestmark = pytest.mark.integration


async def test_pending_entries_are_published_keyed_by_pairing_in_order_and_only_once(
    kafka_bootstrap: str, topics: Topics, mongo: AsyncDatabase[Document]
) -> None:
    pairings = MongoPairings(mongo)
    record = pairing("pr-1", program="a")
    await pairings.create(record, event_for(record, "proposed", correlation_id="c1"))
    change = lifecycle.respond(record.status, "old", accept=False)
    assert change is not None
    declined = record.with_status(change.status, now=NOW)
    event = event_for(declined, "cancelled", correlation_id="c2")
    await pairings.save(declined, expected_sequence=0, event=event)
    broker = make_broker(CommonSettings(kafka_bootstrap_servers=kafka_bootstrap), client_id="t")
    relay = Relay(pairings, BrokerPublisher(broker), topic=topics.pairings)
    async with broker:
        await broker.start()
        first = await relay.flush("a")
        second = await relay.flush("a")

    assert (first, second) == (2, 0)
    records = await read_topic(kafka_bootstrap, topics.pairings, count=3, within=5)
    adapter: TypeAdapter[PairingEvent] = TypeAdapter(PairingEvent)
    events = [adapter.validate_json(r.value) for r in records if r.value]
    assert [e.event_type for e in events] == ["pairing.proposed", "pairing.cancelled"]
    assert {r.key for r in records} == {b"pr-1"}
    assert [e.correlation_id for e in events] == ["c1", "c2"]
