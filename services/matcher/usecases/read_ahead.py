"""The people a step re-reads, read while their work waits for the step.

A step applies each changed person as stored now (`step_inputs`): reading them after the batch
was collected cost the step a point read per person (FerretDB v1 answers 16 in flight at
15-50 ms each while the pipeline runs, a third of the step). The coordinator names the people
of each work item as it arrives (`expect`), and the read starts then, so the step usually finds
it done. A read started after its item arrived sees that item's change or a later one, as the
step's own read did, because the read model is written before the item is forwarded; a newer
change brings its own item, and its read starts anew. A read is used only by a step of a
program already held in memory: a program built from the store in the same step (a take-over)
reads its people after it was built, since its build may be newer than a read started before.
"""

import asyncio
from collections.abc import Collection, Iterable, Mapping

from services.matcher.usecases.ports import PeopleStore
from shared.profile import ProfileSnapshot

CONCURRENT_READS = 16
"""Reads in flight at once, as `adapters.mongo_reads` allows one batch of them."""

Read = asyncio.Task[ProfileSnapshot | None]


class ReadAhead:
    def __init__(self, people: PeopleStore) -> None:
        self._people = people
        self._reads: dict[tuple[str, str], Read] = {}  # by program and person
        self._running: set[Read] = set()  # the event loop keeps only weak references
        self._limit = asyncio.Semaphore(CONCURRENT_READS)

    def expect(self, program_id: str, person_ids: Iterable[str]) -> None:
        """Start reading these people, whose work for the program has just arrived."""
        for person_id in person_ids:
            read = asyncio.create_task(self._read(person_id))
            read.add_done_callback(self._done)
            self._running.add(read)
            self._reads[(program_id, person_id)] = read  # an earlier read may predate this item

    def forget(self, program_ids: Iterable[str]) -> None:
        """Drop the reads of these programs (not owned any more, or built anew)."""
        gone = set(program_ids)
        self._reads = {key: read for key, read in self._reads.items() if key[0] not in gone}

    async def take(
        self, program_id: str, person_ids: Collection[str]
    ) -> Mapping[str, ProfileSnapshot]:
        """These people as stored now (the deleted and unknown left out): the reads started
        for them, and a read now for the others and for a read that failed."""
        started = {
            p: self._reads.pop((program_id, p))
            for p in person_ids
            if (program_id, p) in self._reads
        }
        found: dict[str, ProfileSnapshot] = {}
        again = set(person_ids) - started.keys()
        for person_id, read in started.items():
            try:
                person = await read
            except Exception:  # read again below: its error, if any, is the step's
                again.add(person_id)
                continue
            if person is not None:
                found[person_id] = person
        return found | dict(await self._people.many(again)) if again else found

    async def _read(self, person_id: str) -> ProfileSnapshot | None:
        async with self._limit:
            return (await self._people.many({person_id})).get(person_id)

    def _done(self, read: Read) -> None:
        """A read nobody takes (its batch went to another replica) must not log as unretrieved."""
        self._running.discard(read)
        if not read.cancelled():
            read.exception()
