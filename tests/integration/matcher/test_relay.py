"""The relay publishes what the pairing documents hold, in order, once."""

from datetime import timedelta

import pytest
from pydantic import TypeAdapter
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from services.matcher.adapters import outbox_docs
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
from tests.helpers import Shapes, read_topic

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


async def test_a_steps_entries_are_published_and_recorded_by_id_without_a_scan(
    kafka_bootstrap: str, topics: Topics, mongo_uri: str, mongo_db: str
) -> None:
    shapes = Shapes()
    client: AsyncMongoClient[Document] = AsyncMongoClient(mongo_uri, event_listeners=[shapes])
    pairings = MongoPairings(client[mongo_db])
    records = [pairing(f"pr-{n}", program="a", older=f"o{n}") for n in range(3)]
    # Written before a restart: this process knows them only from the store, so it reads them
    # (one it created itself it relays from memory: `test_stores`).
    earlier = MongoPairings(client[mongo_db])
    for record in records:
        await earlier.create(record, event_for(record, "proposed", correlation_id=None))
    broker = make_broker(CommonSettings(kafka_bootstrap_servers=kafka_bootstrap), client_id="t")
    relay = Relay(pairings, BrokerPublisher(broker), topic=topics.pairings)
    try:
        async with broker:
            await broker.start()
            shapes.seen.clear()
            sent = await relay.flush("a", ["pr-0", "pr-1"])
            relayed = dict(shapes.seen)
            later = NOW + timedelta(minutes=5)
            due = await pairings.due_programs(now=NOW, stuck_before=later)
            left = await pairings.unpublished("a")
    finally:
        await client.close()

    assert sent == 2
    assert relayed == {
        "find pairings {_id}": 2,
        "update pairings {_id} x2": 1,
        "update pairings_unsent {_id} x1": 1,  # off the program's list of unsent (a point)
    }
    assert due == {"a"}  # pr-2 is still unpublished
    assert [u.pairing_id for u in left] == ["pr-2"]
    records_read = await read_topic(kafka_bootstrap, topics.pairings, count=2, within=5)
    assert sorted(r.key for r in records_read) == [b"pr-0", b"pr-1"]


async def test_entries_stored_before_the_unsent_list_are_upgraded_with_what_markers_say(
    mongo: AsyncDatabase[Document],
) -> None:
    pairings = MongoPairings(mongo)
    record = pairing("pr-1", program="a")
    events = [event_for(record, kind, correlation_id=None) for kind in ("proposed", "cancelled")]
    legacy = {"_id": "pr-1", "program_id": "a", "outbox_pending": True, "outbox_seq": 2}
    await mongo.pairings.insert_one(legacy | {"outbox": [outbox_docs.entry(e) for e in events]})
    await mongo.published.insert_one({"_id": "pr-1:1"})

    await pairings.ensure_indexes()

    [pending] = await pairings.unpublished("a", ["pr-1"])
    assert pending.start == 1
    assert [h["event_id"] for _, h in pending.payloads] == [str(events[1].event_id)]
    assert "outbox_pending" not in (await mongo.pairings.find_one({"_id": "pr-1"}) or {})
