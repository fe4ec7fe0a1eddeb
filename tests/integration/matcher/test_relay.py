"""The relay publishes what the pairing documents hold, in order, once."""

import asyncio
from collections.abc import Collection, Mapping, Sequence
from datetime import timedelta

import pytest
from aiokafka import ConsumerRecord
from pydantic import TypeAdapter
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from services.matcher.adapters import outbox_docs
from services.matcher.adapters.pairing_store import MongoPairings
from services.matcher.adapters.relay import Relay
from services.matcher.core import lifecycle
from services.matcher.usecases.messages import event_for
from services.matcher.usecases.ports import PairingRecord, Unpublished
from shared.envelope import Envelope
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
            await relay.recorded()  # recording them sent goes on after the flush
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


class HeldRecords(MongoPairings):
    """Records entries sent only once `release` is set, failing the first `failures` times;
    notes in `calls` when each take and each record happened."""

    def __init__(self, db: AsyncDatabase[Document], *, failures: int = 0) -> None:
        super().__init__(db)
        self.release, self.failures = asyncio.Event(), failures
        self.calls: list[str] = []

    async def unpublished(
        self, program_id: str, ids: Collection[str] | None = None
    ) -> list[Unpublished]:
        self.calls.append("take")
        return await super().unpublished(program_id, ids)

    async def mark_published(self, sent: Mapping[str, Collection[str]]) -> None:
        await self.release.wait()
        if self.failures:
            self.failures -= 1
            self.calls.append("record failed")
            raise ConnectionError("the store went away")
        await super().mark_published(sent)
        self.calls.append("recorded")


async def test_a_flush_returns_once_published_and_the_next_waits_until_they_are_recorded(
    kafka_bootstrap: str, topics: Topics, mongo: AsyncDatabase[Document]
) -> None:
    pairings = HeldRecords(mongo)
    record = pairing("pr-1", program="a")
    proposed = event_for(record, "proposed", correlation_id="c1")
    await pairings.create(record, proposed)
    broker = make_broker(CommonSettings(kafka_bootstrap_servers=kafka_bootstrap), client_id="t")
    relay = Relay(pairings, BrokerPublisher(broker), topic=topics.pairings)
    async with broker:
        await broker.start()
        assert await relay.flush("a", ["pr-1"]) == 1  # published; its record is held
        declined = await decline(pairings, record)
        second = asyncio.create_task(relay.flush("a", ["pr-1"]))
        for _ in range(10):  # let it run as far as it may before the record is let through
            await asyncio.sleep(0)
        pairings.release.set()
        assert await second == 1  # only the decline: the proposal was recorded first
        await relay.recorded()

    assert pairings.calls == ["take", "recorded", "take", "recorded"]
    records = await read_topic(kafka_bootstrap, topics.pairings, count=2, within=5)
    assert event_ids(records) == [str(proposed.event_id), str(declined.event_id)]
    assert await MongoPairings(mongo).unpublished("a") == []


async def test_a_record_that_fails_leaves_the_entry_unsent_and_the_next_flush_sends_it_again(
    kafka_bootstrap: str, topics: Topics, mongo: AsyncDatabase[Document]
) -> None:
    pairings = HeldRecords(mongo, failures=1)
    pairings.release.set()
    record = pairing("pr-1", program="a")
    proposed = event_for(record, "proposed", correlation_id="c1")
    await pairings.create(record, proposed)
    broker = make_broker(CommonSettings(kafka_bootstrap_servers=kafka_bootstrap), client_id="t")
    relay = Relay(pairings, BrokerPublisher(broker), topic=topics.pairings)
    async with broker:
        await broker.start()
        assert await relay.flush("a", ["pr-1"]) == 1
        await relay.recorded()  # failed: logged, the entry stays unsent
        left = await MongoPairings(mongo).unpublished("a")
        assert await relay.flush("a", ["pr-1"]) == 1  # the same entry, the same bytes
        await relay.recorded()

    assert [u.pairing_id for u in left] == ["pr-1"]
    assert pairings.calls == ["take", "record failed", "take", "recorded"]
    records = await read_topic(kafka_bootstrap, topics.pairings, count=2, within=5)
    assert event_ids(records) == [str(proposed.event_id)] * 2
    assert await MongoPairings(mongo).unpublished("a") == []


def event_ids(records: Sequence[ConsumerRecord[bytes, bytes]]) -> list[str]:
    return [dict(r.headers)["event_id"].decode() for r in records]


async def decline(pairings: MongoPairings, record: PairingRecord) -> Envelope:
    change = lifecycle.respond(record.status, "old", accept=False)
    assert change is not None
    declined = record.with_status(change.status, now=NOW)
    event = event_for(declined, "cancelled", correlation_id="c2")
    assert await pairings.save(declined, expected_sequence=record.sequence, event=event)
    return event


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
