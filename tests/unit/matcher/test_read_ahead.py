"""The people a step re-reads are read as their work arrives, and a step uses only reads that
started after the change it applies and after its program was built."""

import asyncio
from collections.abc import Collection, Mapping

from services.matcher.usecases.read_ahead import ReadAhead
from shared.profile import ProfileSnapshot
from tests.builders.matcher import PROGRAM, old, young
from tests.fakes.matcher import FakePeople
from tests.unit.matcher.test_step import World, changed, step


class CountingPeople(FakePeople):
    """Counts the people read; fails the reads of `failing` once each."""

    def __init__(self, *people: ProfileSnapshot, failing: Collection[str] = ()) -> None:
        super().__init__(*people)
        self.read: list[str] = []
        self.failing = set(failing)

    async def many(self, ids: Collection[str]) -> Mapping[str, ProfileSnapshot]:
        self.read += sorted(ids)
        if failed := self.failing & set(ids):
            self.failing -= failed
            raise ConnectionError("the store went away")
        return await super().many(ids)


async def test_a_read_started_when_work_arrived_is_taken_without_reading_again() -> None:
    people = CountingPeople(young("y1"), old("o1"))
    ahead = ReadAhead(people)

    ahead.expect(PROGRAM, ["y1", "o1"])
    await asyncio.sleep(0)  # the reads run while the work waits for its step
    found = await ahead.take(PROGRAM, {"y1", "o1", "gone"})

    assert sorted(found) == ["o1", "y1"]
    assert sorted(people.read) == ["gone", "o1", "y1"]  # each person read once


async def test_a_later_change_of_the_same_person_is_read_again_and_that_read_is_used() -> None:
    people = CountingPeople(young("y1", version=1))
    ahead = ReadAhead(people)
    ahead.expect(PROGRAM, ["y1"])
    await asyncio.sleep(0)

    people.people["y1"] = young("y1", version=2)  # stored, then its own work arrives
    ahead.expect(PROGRAM, ["y1"])

    assert (await ahead.take(PROGRAM, {"y1"}))["y1"].version == 2


async def test_a_failed_read_is_read_again_by_the_step() -> None:
    people = CountingPeople(young("y1"), failing={"y1"})
    ahead = ReadAhead(people)
    ahead.expect(PROGRAM, ["y1"])

    assert list(await ahead.take(PROGRAM, {"y1"})) == ["y1"]
    assert people.read == ["y1", "y1"]


async def test_reads_of_a_dropped_program_are_forgotten_and_read_anew() -> None:
    people = CountingPeople(young("y1", version=1))
    ahead = ReadAhead(people)
    ahead.expect(PROGRAM, ["y1"])
    await asyncio.sleep(0)
    people.people["y1"] = young("y1", version=2)

    ahead.forget([PROGRAM])

    assert (await ahead.take(PROGRAM, {"y1"}))["y1"].version == 2


async def test_a_snapshot_older_than_the_member_the_program_holds_changes_nothing() -> None:
    world = World(young("y1", "video", version=2), old("o1", "video"))
    replica = world.replica()
    await step(replica, changed("y1", "o1"))
    proposed = len(world.events())

    world.people.people["y1"] = young("y1", "video", version=1, program="elsewhere")
    await step(replica, changed("y1"))  # a read older than what the program holds

    assert len(world.events()) == proposed  # y1 did not leave: no cancellation
