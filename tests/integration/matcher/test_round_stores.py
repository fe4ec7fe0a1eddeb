"""A round on the matcher's real stores (people, pairings, slots, rounds), without the broker:
stopped in the middle and finished by a restarted replica, or run by two replicas at once, it
proposes each planned pair once and every person holds exactly one slot per live pairing, also
people in more than one pair (their slots are handed out in plan order)."""

import asyncio
from collections import Counter
from collections.abc import Collection, Sequence
from datetime import UTC, datetime, timedelta

import pytest
from pymongo.asynchronous.database import AsyncDatabase

from services.matcher.adapters.pairing_store import MongoPairings
from services.matcher.adapters.people_store import MongoPeople
from services.matcher.adapters.round_store import MongoRounds
from services.matcher.adapters.slot_store import MongoSlots
from services.matcher.core.policy import Policy
from services.matcher.core.program_settings import ProgramSettings
from services.matcher.usecases.ports import PairingRecord
from services.matcher.usecases.round_log import RoundRecord
from services.matcher.usecases.step import ProgramMatcher
from services.matcher.usecases.work import MatchWork, RoundDue, Work
from shared.envelope import Envelope
from shared.mongo import Document
from shared.programs import RoundsSchedule
from tests.builders.matcher import PROGRAM, old, young

pytestmark = pytest.mark.integration

ROUND = f"{PROGRAM}@cmd-1"
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


class Stores:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.people, self.pairings = MongoPeople(db), CrashingPairings(db)
        self.slots, self.rounds = MongoSlots(db), CountedRounds(db)
        self.db = db

    async def ready(self) -> None:
        for store in (self.people, self.pairings, self.slots, self.rounds):
            await store.ensure_indexes()
        everyone = [young(f"y{i}", max_pairings=2) for i in range(3)]
        everyone += [old(f"o{i}", birth_year=1960 + i) for i in range(6)]
        for person in everyone:
            await self.people.apply(person)

    def replica(self) -> ProgramMatcher:
        async def settings_for(program_id: str) -> ProgramSettings:
            return ProgramSettings(program_id, Policy(), RoundsSchedule())

        return ProgramMatcher(
            people=self.people,
            pairings=self.pairings,
            slots=self.slots,
            relay=NoRelay(),
            settings_for=settings_for,
            rounds=self.rounds,
            wake=lambda program_id, at: None,
            proposal_ttl=timedelta(days=7),
            orphan_slot_after=timedelta(minutes=2),
            clock=lambda: NOW,
        )

    async def live(self) -> list[PairingRecord]:
        return await self.pairings.of_program(PROGRAM)

    async def slots_held(self) -> dict[str, str]:
        return {d["_id"]: d["pairing_id"] async for d in self.db["slots"].find({})}


class CrashingPairings(MongoPairings):
    """Creates `survive` pairings, then fails like a process dying in the middle of a round."""

    survive = 1_000

    async def create(self, record: PairingRecord, event: Envelope) -> bool:
        return (await self.create_each([(record, event)]))[0]

    async def create_each(self, new: Sequence[tuple[PairingRecord, Envelope]]) -> list[bool]:
        kept, self.survive = new[: max(self.survive, 0)], self.survive - len(new)
        stored = await super().create_each(kept)
        if len(kept) < len(new):
            raise ConnectionError("the process died")
        return stored


class CountedRounds(MongoRounds):
    planned = 0

    async def plan(self, record: RoundRecord) -> bool:
        self.planned += 1
        await asyncio.sleep(0)  # lets another replica run between solving and storing a plan
        return await super().plan(record)


class NoRelay:
    async def flush(self, program_id: str, ids: Collection[str] | None = None) -> int:
        return 0

    async def recorded(self) -> None:
        return None


def round_due() -> list[MatchWork]:
    return [
        MatchWork(producer="test", data=Work(program_id=PROGRAM, item=RoundDue(round_id=ROUND)))
    ]


async def assert_proposed_once_with_one_slot_each(stores: Stores) -> None:
    record = await stores.rounds.get(ROUND)
    assert record is not None and record.state == "done" and record.proposed == 6
    pairings = await stores.live()
    assert sorted((p.younger.id, p.older.id) for p in pairings) == sorted(record.pairs)
    per_person = Counter(person for p in pairings for person in (p.younger.id, p.older.id))
    assert per_person == {f"y{i}": 2 for i in range(3)} | {f"o{i}": 1 for i in range(6)}
    held = await stores.slots_held()
    assert held == {slot: p.id for p in pairings for slot in p.slots}
    assert len(held) == 12


@pytest.fixture
async def stores(mongo: AsyncDatabase[Document]) -> Stores:
    found = Stores(mongo)
    await found.ready()
    return found


async def test_a_round_stopped_in_the_middle_is_finished_by_a_restarted_replica(
    stores: Stores,
) -> None:
    stores.pairings.survive = 2
    with pytest.raises(ConnectionError):
        await stores.replica().step(PROGRAM, round_due())
    stopped = await stores.rounds.get(ROUND)
    assert stopped is not None and stopped.state == "planned"
    assert len(await stores.live()) == 2

    stores.pairings.survive = 1_000
    await stores.replica().step(PROGRAM, round_due())  # the redelivered round, after a restart

    assert stores.rounds.planned == 1  # solved once
    await assert_proposed_once_with_one_slot_each(stores)


async def test_two_replicas_running_the_same_round_propose_each_pair_once(stores: Stores) -> None:
    await asyncio.gather(
        stores.replica().step(PROGRAM, round_due()), stores.replica().step(PROGRAM, round_due())
    )

    await assert_proposed_once_with_one_slot_each(stores)
