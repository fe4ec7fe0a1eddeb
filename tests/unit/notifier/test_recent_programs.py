"""Program records kept for a few seconds: a burst of one program's pairing events reads its
record once, a change applied here holds at once, and a kept record never goes back."""

import asyncio

from services.notifier.recent_programs import RecentPrograms
from shared.errors import StoreUnavailable
from shared.programs import ProgramSnapshot
from tests.builders.programs import program_snapshot
from tests.fakes.programs import FakePrograms


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class CountingPrograms(FakePrograms):
    def __init__(self, *records: ProgramSnapshot) -> None:
        super().__init__(*records)
        self.reads = 0

    async def get(self, program_id: str) -> ProgramSnapshot | None:
        self.reads += 1
        await asyncio.sleep(0)  # others run meanwhile, as while a store answers
        return await super().get(program_id)


V1 = program_snapshot("prog-1", version=1, name="EMEA 2027")
V2 = program_snapshot("prog-1", version=2, name="EMEA 27")


async def test_a_record_read_once_serves_the_next_events_until_it_is_kept_no_longer() -> None:
    store, clock = CountingPrograms(V1), Clock()
    programs = RecentPrograms(store, keep_seconds=5, clock=clock)

    assert [await programs.get("prog-1") for _ in range(3)] == [V1] * 3
    assert store.reads == 1
    store.records["prog-1"] = V2  # applied by another replica
    clock.now += 5
    assert await programs.get("prog-1") == V2
    assert store.reads == 2


async def test_a_change_applied_here_holds_at_once() -> None:
    store, clock = CountingPrograms(V1), Clock()
    programs = RecentPrograms(store, keep_seconds=5, clock=clock)
    await programs.get("prog-1")

    assert await programs.apply(V2) is True
    assert await programs.get("prog-1") == V2
    assert await programs.apply(V1) is False  # an older one changes nothing
    assert await programs.get("prog-1") == V2
    assert store.reads == 1


async def test_a_read_that_returns_an_older_record_than_one_kept_keeps_the_newer() -> None:
    store, clock = CountingPrograms(), Clock()
    programs = RecentPrograms(store, keep_seconds=5, clock=clock)
    await programs.apply(V2)
    store.records["prog-1"] = V1  # as a read that started before the apply would see
    clock.now += 5

    assert await programs.get("prog-1") == V2


async def test_a_program_without_a_record_is_remembered_too_until_one_is_applied() -> None:
    store, clock = CountingPrograms(), Clock()
    programs = RecentPrograms(store, keep_seconds=5, clock=clock)

    assert await programs.get("prog-1") is None
    assert await programs.get("prog-1") is None
    assert store.reads == 1
    await programs.apply(V1)
    assert await programs.get("prog-1") == V1


async def test_events_that_miss_the_record_at_the_same_time_share_one_read() -> None:
    store, clock = CountingPrograms(V1), Clock()
    programs = RecentPrograms(store, keep_seconds=5, clock=clock)

    found = await asyncio.gather(*(programs.get("prog-1") for _ in range(32)))

    assert found == [V1] * 32 and store.reads == 1


async def test_a_failed_read_fails_the_events_that_share_it_and_the_next_one_reads_again() -> None:
    class FailingOnce(CountingPrograms):
        async def get(self, program_id: str) -> ProgramSnapshot | None:
            if self.reads == 0:
                self.reads += 1
                await asyncio.sleep(0)
                raise StoreUnavailable("busy")
            return await super().get(program_id)

    store = FailingOnce(V1)
    programs = RecentPrograms(store, keep_seconds=5, clock=Clock())

    failed = await asyncio.gather(
        *(programs.get("prog-1") for _ in range(3)), return_exceptions=True
    )

    assert all(isinstance(f, StoreUnavailable) for f in failed)
    assert await programs.get("prog-1") == V1
