"""Hinted profiles go before the recovery sweep: no batch of it is read while a hint waits."""

from services.profiles.changes import Origin
from services.profiles.finds import Finds
from services.profiles.locks import KeyedLocks
from services.profiles.records import ProfileRecord
from services.profiles.sent import SentLog
from services.profiles.service import ProfileService
from tests.builders.profiles import profile_fields
from tests.fakes.profiles import FakeHints, FakeProfileStore

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
