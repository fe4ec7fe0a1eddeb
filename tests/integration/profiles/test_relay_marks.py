"""Marks and trims on the real store: a published event is marked by an insert and leaves its
outbox later, and every crash window in between ends with each event published at least once,
never lost, and the outboxes emptied."""

import json

import pytest
from pymongo.asynchronous.database import AsyncDatabase

from services.profiles.changes import Origin
from services.profiles.hints import MongoHints
from services.profiles.locks import KeyedLocks
from services.profiles.outbox import MongoOutboxStore
from services.profiles.records import ProfileRecord
from services.profiles.relay import Relay
from services.profiles.service import ProfileService
from services.profiles.store import MongoProfileStore
from shared.mongo import Document
from shared.relay_loop import Pass
from tests.builders.profiles import profile_fields
from tests.fakes.profiles import FakeSink

pytestmark = pytest.mark.integration
API = Origin(producer="profiles")


def relay_on(mongo: AsyncDatabase[Document], sink: FakeSink, locks: KeyedLocks) -> Relay:
    return Relay(
        MongoOutboxStore(mongo),
        sink,
        topic="profiles",
        locks=locks,
        hints=MongoHints(mongo),
        sweep_seconds=60,
    )


async def created(
    mongo: AsyncDatabase[Document], count: int, relay: Relay | None = None
) -> list[ProfileRecord]:
    """`count` new profiles, told to `relay` (None: written by a process without one)."""
    store = MongoProfileStore(mongo)
    await store.ensure_indexes()
    writer = ProfileService(store, locks=KeyedLocks(), observer=relay)
    people = [profile_fields(email=f"p{n}@example.org") for n in range(count)]
    return [await writer.create(fields, API) for fields in people]


def event_ids(sink: FakeSink) -> list[str]:
    return [json.loads(sent.value or b"")["event_id"] for sent in sink.sent]


async def outboxes(mongo: AsyncDatabase[Document]) -> list[list[Document]]:
    return [document["outbox"] async for document in mongo["profiles"].find({})]


async def test_a_mark_is_stored_once_whatever_a_batch_or_a_retry_repeats_and_goes_with_the_trim(
    mongo: AsyncDatabase[Document],
) -> None:
    records = await created(mongo, 2)
    outbox = MongoOutboxStore(mongo)
    twice = {records[0].id: [*records[0].outbox, *records[0].outbox], records[1].id: []}

    await outbox.mark(twice)  # the same entry twice in one batch
    await outbox.mark({records[0].id: records[0].outbox})  # a retry after a lost answer

    assert await outbox.marked() == [records[0].outbox[0].event_id]
    assert await outbox.trim({records[0].id: records[0].outbox}) == 1
    assert await outbox.marked() == []
    assert [len(entries) for entries in await outboxes(mongo)] == [0, 1]


async def test_a_crash_between_the_write_and_the_mark_publishes_the_event_again_after_restart(
    mongo: AsyncDatabase[Document],
) -> None:
    sink, locks = FakeSink(), KeyedLocks()
    relay = relay_on(mongo, sink, locks)
    assert await relay.pass_once(sweep=True) is Pass.DONE  # the start-up sweep: nothing yet
    await created(mongo, 2, relay)
    assert await relay.pass_once(sweep=False) is Pass.DONE  # published; then the crash

    restarted = relay_on(mongo, sink, KeyedLocks())
    assert await restarted.pass_once(sweep=True) is Pass.DONE
    await restarted.flush()

    ids = event_ids(sink)
    assert len(ids) == 4 and sorted(ids[:2]) == sorted(ids[2:])  # dropped by consumers
    assert await outboxes(mongo) == [[], []]
    assert await MongoOutboxStore(mongo).marked() == []


async def test_a_crash_between_the_mark_and_the_trim_publishes_nothing_again_and_trims(
    mongo: AsyncDatabase[Document],
) -> None:
    records = await created(mongo, 2)
    # What a relay that published both and marked them leaves when it dies before the trim.
    await MongoOutboxStore(mongo).mark({record.id: record.outbox for record in records})

    sink = FakeSink()
    restarted = relay_on(mongo, sink, KeyedLocks())
    assert await restarted.pass_once(sweep=True) is Pass.DONE
    await restarted.flush()

    assert sink.sent == []
    assert await outboxes(mongo) == [[], []]
    assert await MongoOutboxStore(mongo).marked() == []


async def test_a_hint_delivered_twice_publishes_each_event_once(
    mongo: AsyncDatabase[Document],
) -> None:
    records = await created(mongo, 3)
    hints = MongoHints(mongo)
    sink = FakeSink()
    relay = relay_on(mongo, sink, KeyedLocks())
    assert await relay.pass_once(sweep=True) is Pass.DONE  # the start-up sweep publishes them
    await relay.outbox.settle()  # marked (and, so few, trimmed)
    await hints.add([r.id for r in records], records)  # their writer's hint, late: stale copies

    assert await relay.pass_once(sweep=True) is Pass.DONE
    await relay.flush()

    assert sorted(event_ids(sink)) == sorted(r.outbox[0].event_id for r in records)
    assert await outboxes(mongo) == [[], [], []]
    assert await hints.oldest(limit=10) == []
