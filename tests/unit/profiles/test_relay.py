"""The relay publishes pending events in order, marks exactly what went out, and survives failures."""

import asyncio
import contextlib
import json
from collections.abc import Mapping, Sequence
from typing import Literal

from services.profiles.changes import Origin
from services.profiles.locks import KeyedLocks
from services.profiles.records import OutboxEntry, ProfileRecord
from services.profiles.relay import Relay
from services.profiles.service import ProfileService
from shared.commands import ProfileChangeRequest
from shared.profile import ProfilePatch
from shared.publisher import Message
from shared.relay_loop import Pass
from tests.builders.profiles import profile_fields
from tests.fakes.profiles import FakeHints, FakeProfileStore, FakeSink
from tests.helpers import eventually

API = Origin(producer="profiles")


def wired(
    sink: FakeSink, store: FakeProfileStore | None = None
) -> tuple[FakeProfileStore, ProfileService, Relay]:
    store = store or FakeProfileStore()
    locks = KeyedLocks()
    relay = Relay(store, sink, topic="profiles", locks=locks, sweep_seconds=60, retry_seconds=0.01)
    return store, ProfileService(store, locks=locks, observer=relay), relay


async def rename(service: ProfileService, profile_id: str, name: str) -> None:
    patch = ProfilePatch(name=name)
    await service.apply(ProfileChangeRequest(op="patch", profile_id=profile_id, patch=patch), API)


def versions(sink: FakeSink) -> list[tuple[str, int | None]]:
    return [(s.key, json.loads(s.value)["data"]["version"] if s.value else None) for s in sink.sent]


async def test_events_of_one_profile_go_out_in_version_order_keyed_by_id() -> None:
    sink = FakeSink()
    store, service, relay = wired(sink)
    created = await service.create(profile_fields(), API)
    await rename(service, created.id, "Two")
    await rename(service, created.id, "Three")

    assert await relay.pass_once(sweep=False) is Pass.DONE
    await relay.flush()

    assert versions(sink) == [(created.id, 1), (created.id, 2), (created.id, 3)]
    assert store.records[created.id].outbox == []


async def test_a_deletion_is_followed_by_a_tombstone_and_the_record_is_then_removed() -> None:
    sink = FakeSink()
    store, service, relay = wired(sink)
    created = await service.create(profile_fields(), API)
    await service.apply(ProfileChangeRequest(op="delete", profile_id=created.id), API)

    await relay.pass_once(sweep=True)
    await relay.flush()

    assert versions(sink) == [(created.id, 1), (created.id, 2), (created.id, None)]
    assert json.loads(sink.sent[1].value or b"")["event_type"] == "profile.deleted"
    assert created.id not in store.records


async def test_after_a_failure_midway_only_the_events_not_yet_out_go_out_later() -> None:
    sink = FakeSink(fail_after=2)
    store, service, relay = wired(sink)
    created = await service.create(profile_fields(), API)
    for name in ("Two", "Three", "Four"):
        await rename(service, created.id, name)

    assert await relay.pass_once(sweep=False) is Pass.FAILED
    await relay.flush()
    assert versions(sink) == [(created.id, 1), (created.id, 2)]
    sink.fail_after = None
    assert await relay.pass_once(sweep=True) is Pass.DONE
    await relay.flush()

    assert versions(sink) == [(created.id, v) for v in (1, 2, 3, 4)]
    assert store.records[created.id].outbox == []


async def test_a_write_during_publishing_keeps_its_event_and_the_old_one_is_not_repeated() -> None:
    class WritingSink(FakeSink):
        async def publish(self, message: Message) -> None:
            await super().publish(message)
            if len(self.sent) == 1:
                await rename(service, message.key.decode(), "Written meanwhile")

    sink = WritingSink()
    store, service, relay = wired(sink)
    created = await service.create(profile_fields(), API)

    await relay.pass_once(sweep=False)
    await relay.flush()
    assert [e.version for e in store.records[created.id].outbox] == [2]
    await relay.pass_once(sweep=False)

    assert versions(sink) == [(created.id, 1), (created.id, 2)]


async def test_an_event_whose_mark_failed_goes_out_once_more_only_after_a_restart() -> None:
    class ForgetfulStore(FakeProfileStore):
        failures = 2

        def _fail(self) -> None:
            if self.failures:
                self.failures -= 1
                raise ConnectionError("the store went away")

        async def mark(self, published: Mapping[str, Sequence[OutboxEntry]]) -> int:
            self._fail()
            return await super().mark(published)

    sink, store = FakeSink(), ForgetfulStore()
    _, service, relay = wired(sink, store)
    await service.create(profile_fields(), API)

    await relay.pass_once(sweep=True)
    with contextlib.suppress(ConnectionError):
        await relay.flush()
    await relay.pass_once(sweep=True)  # the same relay does not publish it again
    with contextlib.suppress(ConnectionError):
        await relay.flush()
    assert len(sink.sent) == 1
    _, _, restarted = wired(sink, store)
    await restarted.pass_once(sweep=True)
    await restarted.flush()

    ids = [json.loads(s.value or b"")["event_id"] for s in sink.sent]
    assert len(ids) == 2 and ids[0] == ids[1]  # consumers drop it by event_id and version
    assert all(record.outbox == [] for record in store.records.values())


async def test_a_write_wakes_the_relay_without_waiting_for_the_sweep() -> None:
    class CountingStore(FakeProfileStore):
        sweeps = 0

        async def pending(self, *, limit: int, after: str | None = None) -> list[ProfileRecord]:
            self.sweeps += 1
            return await super().pending(limit=limit, after=after)

    sink, store = FakeSink(), CountingStore()
    _, service, relay = wired(sink, store)  # sweeps every 60 s
    ready = asyncio.Event()
    ready.set()
    running = asyncio.create_task(relay.run(ready))
    try:
        await eventually(lambda: store.sweeps == 1, within=5)
        created = await service.create(profile_fields(), API)
        await eventually(lambda: versions(sink) == [(created.id, 1)], within=5)
        assert store.sweeps == 1
    finally:
        relay.stop()
        await asyncio.wait_for(running, 5)


class Gate(asyncio.Event):
    """A `ready` event that tells whether someone is waiting at it right now."""

    waiting = 0

    async def wait(self) -> Literal[True]:
        self.waiting += 1
        try:
            return await super().wait()
        finally:
            self.waiting -= 1


async def test_nothing_is_published_until_the_broker_is_connected() -> None:
    sink = FakeSink()
    _, service, relay = wired(sink)
    ready = Gate()
    running = asyncio.create_task(relay.run(ready))
    await eventually(lambda: ready.waiting, within=5)  # parked before its first pass
    created = await service.create(profile_fields(), API)
    # The write wakes the relay, but it stays parked at the gate: nothing can have gone out.
    assert ready.waiting
    assert sink.sent == []

    ready.set()
    await eventually(lambda: versions(sink) == [(created.id, 1)], within=5)
    relay.stop()
    await asyncio.wait_for(running, 5)


async def test_a_sweep_goes_past_a_batch_of_records_published_but_not_yet_marked() -> None:
    class UnmarkedStore(FakeProfileStore):
        """Marks nothing: every outbox stays as it is, as while marks wait for their batch."""

        async def mark(self, published: Mapping[str, Sequence[OutboxEntry]]) -> int:
            return 0

    store = UnmarkedStore()
    _, writer, _ = wired(FakeSink(), store)  # another process wrote them: nothing handed over
    people = [profile_fields(email=f"person{i}@example.org") for i in range(5)]
    created = [await writer.create(fields, API) for fields in people]
    sink = FakeSink()
    relay = Relay(store, sink, topic="profiles", locks=KeyedLocks(), batch_size=2)

    passes = [await relay.pass_once(sweep=True) for _ in range(4)]

    assert passes[:3] == [Pass.MORE, Pass.MORE, Pass.DONE]
    assert sorted(key for key, _ in versions(sink)) == sorted(record.id for record in created)


class ScanCountingStore(FakeProfileStore):
    """Counts the sweeps of the whole collection and the calls that mark."""

    sweeps = marks = 0

    async def pending(self, *, limit: int, after: str | None = None) -> list[ProfileRecord]:
        self.sweeps += 1
        return await super().pending(limit=limit, after=after)

    async def mark(self, published: Mapping[str, Sequence[OutboxEntry]]) -> int:
        self.marks += 1
        return await super().mark(published)


async def test_after_the_start_up_sweep_written_records_go_out_and_are_marked_without_a_scan() -> (
    None
):
    sink, store = FakeSink(), ScanCountingStore()
    _, service, relay = wired(sink, store)
    assert await relay.pass_once(sweep=True) is Pass.DONE  # the start-up sweep
    created = [
        await service.create(profile_fields(email=f"p{n}@example.org"), API) for n in range(3)
    ]

    assert await relay.pass_once(sweep=False) is Pass.DONE
    assert await relay.pass_once(sweep=True) is Pass.DONE  # a later sweep reads no collection
    await relay.flush()

    assert sorted(versions(sink)) == sorted((record.id, 1) for record in created)
    assert store.sweeps == 1 and store.marks == 1
    assert all(record.outbox == [] for record in store.records.values())


async def test_profiles_another_process_hinted_at_go_out_without_a_scan() -> None:
    sink, store, hints = FakeSink(), ScanCountingStore(), FakeHints()
    locks = KeyedLocks()
    relay = Relay(store, sink, topic="profiles", locks=locks, hints=hints)
    assert await relay.pass_once(sweep=True) is Pass.DONE  # the start-up sweep: nothing yet
    importer = ProfileService(store, locks=KeyedLocks())  # tells no relay
    people = [profile_fields(email=f"p{n}@example.org") for n in range(3)]
    created = [await importer.create(fields, API) for fields in people]
    await hints.add([record.id for record in created])

    assert await relay.pass_once(sweep=True) is Pass.DONE
    await relay.flush()

    assert sorted(versions(sink)) == sorted((record.id, 1) for record in created)
    assert store.sweeps == 1 and hints.hints == []
    assert all(record.outbox == [] for record in store.records.values())
