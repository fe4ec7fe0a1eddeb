"""A continuous step writes the engine's new pairs in batches, as a round does (their slots in
one insert, then their pairings in another); on the real store its failure cases behave as the
single writes did: a slot taken by another pairing, a store error in the middle of a batch of
claims, and a crash between the slots and the pairings."""

from datetime import timedelta

import pytest
from pymongo.asynchronous.database import AsyncDatabase

from services.matcher.core.policy import Policy
from services.matcher.core.program_settings import ProgramSettings
from services.matcher.usecases.step import ProgramMatcher
from services.matcher.usecases.work import MatchWork, PersonChanged, Work
from shared.mongo import Document
from shared.programs import ContinuousSchedule
from tests.builders.matcher import PROGRAM
from tests.integration.matcher.test_round_batches import DyingSlots
from tests.integration.matcher.test_round_stores import NOW, NoRelay, Stores

pytestmark = pytest.mark.integration

EVERYONE = [f"y{i}" for i in range(3)] + [f"o{i}" for i in range(6)]


class ContinuousStores(Stores):
    def replica(self) -> ProgramMatcher:
        """A replica of a continuous program that proposes as soon as people arrive."""

        async def settings_for(program_id: str) -> ProgramSettings:
            return ProgramSettings(program_id, Policy(), ContinuousSchedule(settle_minutes=0))

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


def arrivals() -> list[MatchWork]:
    """Everyone of the program arrived in one batch (a burst of new people)."""
    return [
        MatchWork(producer="test", data=Work(program_id=PROGRAM, item=PersonChanged(person_id=p)))
        for p in EVERYONE
    ]


async def assert_each_pair_once_with_one_slot_each(stores: Stores, pairs: int) -> None:
    pairings = await stores.live()
    assert len(pairings) == pairs
    assert len({(p.younger.id, p.older.id) for p in pairings}) == pairs
    held = await stores.slots_held()
    assert {k: v for k, v in held.items() if v != "pr-elsewhere"} == {
        slot: p.id for p in pairings for slot in p.slots
    }
    assert all(len(p.slots) == 2 for p in pairings)


@pytest.fixture
async def stores(mongo: AsyncDatabase[Document]) -> ContinuousStores:
    found = ContinuousStores(mongo)
    await found.ready()
    return found


async def test_a_burst_of_new_people_is_proposed_in_one_step_each_pair_once(
    stores: ContinuousStores,
) -> None:
    await stores.replica().step(PROGRAM, arrivals())

    await assert_each_pair_once_with_one_slot_each(stores, 6)
    assert len(await stores.slots_held()) == 12


async def test_a_pair_whose_slot_another_pairing_holds_is_proposed_alone_or_not_at_all(
    stores: ContinuousStores,
) -> None:
    await stores.db["slots"].insert_one(
        {"_id": "y0#0", "pairing_id": "pr-elsewhere", "program_id": PROGRAM, "claimed_at": NOW}
    )

    await stores.replica().step(PROGRAM, arrivals())

    pairings = await stores.live()
    assert sum("y0" in (p.younger.id, p.older.id) for p in pairings) == 1  # its one free slot
    await assert_each_pair_once_with_one_slot_each(stores, 5)
    assert (await stores.slots_held())["y0#0"] == "pr-elsewhere"


async def test_a_store_error_in_the_middle_of_a_batch_of_claims_is_finished_by_redelivery(
    mongo: AsyncDatabase[Document],
) -> None:
    stores = ContinuousStores(mongo)
    stores.slots = dying = DyingSlots(mongo)
    await stores.ready()
    with pytest.raises(ConnectionError):
        await stores.replica().step(PROGRAM, arrivals())
    assert await stores.live() == [] and len(await stores.slots_held()) == 6

    dying.dying = False
    await stores.replica().step(PROGRAM, arrivals())  # the redelivered batch, rebuilt program

    await assert_each_pair_once_with_one_slot_each(stores, 6)


async def test_a_crash_between_the_slots_and_the_pairings_is_finished_by_a_restart(
    stores: ContinuousStores,
) -> None:
    stores.pairings.survive = 0  # every slot of the step is claimed, no pairing is written
    with pytest.raises(ConnectionError):
        await stores.replica().step(PROGRAM, arrivals())
    assert await stores.live() == [] and len(await stores.slots_held()) == 12

    stores.pairings.survive = 1_000
    await stores.replica().step(PROGRAM, arrivals())  # the same pairs find their own slots

    await assert_each_pair_once_with_one_slot_each(stores, 6)
    assert len(await stores.slots_held()) == 12
