"""Hinted profiles go before the recovery sweep (no batch of it is read while a hint waits), and\ncome from the records their writer stored with the hint."""

import asyncio
import json

from services.profiles.changes import Origin
from services.profiles.finds import Finds
from services.profiles.locks import KeyedLocks
from services.profiles.records import ProfileRecord
from services.profiles.relay import Relay
from services.profiles.sent import SentLog
from services.profiles.service import ProfileService
from shared.commands import ProfileChangeRequest
from shared.profile import ProfilePatch
from shared.relay_loop import Pass
from tests.builders.profiles import profile_fields
from tests.fakes.profiles import FakeHints, FakeProfileStore, FakeSink

API = Origin(producer="profiles")


class SweepCountingStore(FakeProfileStore):
    sweeps = 0

    async def pending(self, *, limit: int, after: str | None = None) -> list[ProfileRecord]:
        self.sweeps += 1
        return await super().pending(limit=limit, after=after)


async def stored(store: FakeProfileStore, count: int) -> list[ProfileRecord]:
    """`count` profiles written by a process without a relay (their events wait)."""
    writer = ProfileService(store, locks=KeyedLocks())
    people = [profile_fields(email=f"p{n}@example.org") for n in range(count)]
    return sorted([await writer.create(fields, API) for fields in people], key=lambda r: r.id)


def finds(store: FakeProfileStore, hints: FakeHints, *, recover_every: float) -> Finds:
    return Finds(
        store, hints, SentLog(), batch=2, recover_every=recover_every, backlog=lambda _: None
    )


async def test_the_start_up_sweep_waits_until_no_hint_waits_and_then_finds_the_unhinted() -> None:
    store, hints = SweepCountingStore(), FakeHints()
    records = await stored(store, 2)
    await hints.add([records[0].id])  # the writer of records[1] died before its hint
    relay_finds = finds(store, hints, recover_every=300)

    hinted, complete = await relay_finds.find()
    assert [r.id for r in hinted] == [records[0].id] and complete
    assert store.sweeps == 0
    await relay_finds.done(whole=True)

    swept, _ = await relay_finds.find()
    assert [r.id for r in swept] == [r.id for r in records]
    assert store.sweeps == 1 and hints.hints == []


async def test_a_periodic_round_is_not_read_while_hints_wait() -> None:
    store, hints = SweepCountingStore(), FakeHints()
    relay_finds = finds(store, hints, recover_every=0)  # a round is always due
    assert await relay_finds.find() == ([], True)  # the start-up round: nothing stored yet
    records = await stored(store, 1)
    await hints.add([records[0].id])

    hinted, _ = await relay_finds.find()

    assert [r.id for r in hinted] == [records[0].id]
    assert store.sweeps == 1


async def test_a_round_under_way_stops_for_hints_and_goes_on_where_it_stopped() -> None:
    store, hints = SweepCountingStore(), FakeHints()
    records = await stored(store, 5)
    relay_finds = finds(store, hints, recover_every=300)
    first, complete = await relay_finds.find()
    assert [r.id for r in first] == [r.id for r in records[:2]] and not complete
    await hints.add([records[4].id])  # hinted while the round was under way

    hinted, complete = await relay_finds.find()
    await relay_finds.done(whole=True)
    second, _ = await relay_finds.find()
    third, complete = await relay_finds.find()

    assert [r.id for r in hinted] == [records[4].id] and store.sweeps == 3
    assert [r.id for r in [*second, *third]] == [r.id for r in records[2:]] and complete


class ReadCountingStore(SweepCountingStore):
    reads = 0

    async def get(self, profile_id: str) -> ProfileRecord | None:
        self.reads += 1
        return await super().get(profile_id)


async def test_hinted_profiles_come_from_the_records_stored_with_the_hint_without_a_read() -> None:
    store, hints = ReadCountingStore(), FakeHints()
    records = await stored(store, 2)
    await hints.add([r.id for r in records], records)
    await hints.add([records[0].id])  # an older writer's hint, without its records
    relay_finds = Finds(
        store, hints, SentLog(), batch=10, recover_every=300, backlog=lambda _: None
    )

    found, _ = await relay_finds.find()

    assert sorted(r.id for r in found) == sorted([*(r.id for r in records), records[0].id])
    assert store.reads == 1 and store.sweeps == 0


async def test_a_stale_copy_in_a_hint_publishes_nothing_twice_and_nothing_out_of_order() -> None:
    sink, store, hints = FakeSink(), FakeProfileStore(), FakeHints()
    locks = KeyedLocks()
    relay = Relay(store, sink, topic="profiles", locks=locks, hints=hints)
    assert await relay.pass_once(sweep=True) is Pass.DONE  # the start-up sweep: nothing yet
    importer = ProfileService(store, locks=KeyedLocks())  # tells no relay
    created = await importer.create(profile_fields(), API)
    await hints.add([created.id], [created])  # the copy holds version 1
    service = ProfileService(store, locks=locks, observer=relay)
    patch = ProfilePatch(name="Two")
    await service.apply(ProfileChangeRequest(op="patch", profile_id=created.id, patch=patch), API)

    assert await relay.pass_once(sweep=False) is Pass.DONE  # versions 1 and 2 go out
    assert await relay.pass_once(sweep=True) is Pass.DONE  # the copy: nothing new
    await relay.flush()

    assert [(s.key, version(s.value)) for s in sink.sent] == [(created.id, 1), (created.id, 2)]
    assert store.records[created.id].outbox == [] and hints.hints == []


def version(value: bytes | None) -> int | None:
    return json.loads(value)["data"]["version"] if value else None


class SlowSweepStore(SweepCountingStore):
    """A store whose sweep answers only once `answer` is set, as a whole-collection read on a
    large local store would keep the relay waiting."""

    def __init__(self) -> None:
        super().__init__()
        self.answer = asyncio.Event()

    async def pending(self, *, limit: int, after: str | None = None) -> list[ProfileRecord]:
        self.sweeps += 1
        await self.answer.wait()
        return await FakeProfileStore.pending(self, limit=limit, after=after)


async def test_a_slow_sweep_leaves_the_relay_publishing_what_writes_hand_over() -> None:
    sink, store = FakeSink(), SlowSweepStore()
    left = (await stored(store, 1))[0]  # left by a crash: only the sweep finds it
    locks = KeyedLocks()
    relay = Relay(store, sink, topic="profiles", locks=locks, read_wait=0.01)
    service = ProfileService(store, locks=locks, observer=relay)
    written = await service.create(profile_fields(email="new@example.org"), API)

    assert await relay.pass_once(sweep=True) is Pass.MORE  # the sweep's read is under way
    assert [s.key for s in sink.sent] == [written.id]
    store.answer.set()
    assert await relay.pass_once(sweep=True) is Pass.DONE
    await relay.flush()

    assert [s.key for s in sink.sent] == [written.id, left.id]
    assert store.sweeps == 1 and all(r.outbox == [] for r in store.records.values())


async def test_a_hint_served_while_the_sweep_reads_drops_that_read_and_it_is_read_again() -> None:
    store, hints = SlowSweepStore(), FakeHints()
    records = await stored(store, 2)
    relay_finds = Finds(
        store, hints, SentLog(), batch=10, recover_every=300, backlog=lambda _: None, read_wait=0.01
    )
    assert await relay_finds.find() == ([], False)  # the start-up round's read is under way
    await hints.add([records[0].id])

    hinted, _ = await relay_finds.find()
    await relay_finds.done(whole=True)
    store.answer.set()
    swept, complete = await relay_finds.find()

    assert [r.id for r in hinted] == [records[0].id]
    assert [r.id for r in swept] == [r.id for r in records] and complete
    assert store.sweeps == 2  # the read from before the hint was dropped, not used
