"""A round writes its proposals in batches (the slots of a chunk of pairs in one insert, then
their pairings in another); on the real store, the batch's failure cases behave as single writes
did: a duplicate inside a batch, a slot taken by another pairing, a store error in the middle of
a batch, and a crash between the slots and the pairings."""

from collections.abc import Sequence

import pytest
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from services.matcher.adapters.pairing_store import MongoPairings
from services.matcher.adapters.slot_store import MongoSlots
from services.matcher.usecases.messages import event_for
from services.matcher.usecases.ports import SlotClaim
from shared.mongo import Document
from tests.builders.matcher import PROGRAM, pairing
from tests.helpers import Commands
from tests.integration.matcher.test_round_stores import (
    NOW,
    ROUND,
    Stores,
    assert_proposed_once_with_one_slot_each,
    round_due,
)

pytestmark = pytest.mark.integration


class DyingSlots(MongoSlots):
    """Stores the first half of a batch of claims, then fails as a lost connection would."""

    dying = True

    async def claim_each(self, claims: Sequence[SlotClaim]) -> list[bool]:
        if not self.dying:
            return await super().claim_each(claims)
        await super().claim_each(claims[: len(claims) // 2])
        raise ConnectionError("the connection was lost in the middle of a batch")


@pytest.fixture
async def stores(mongo: AsyncDatabase[Document]) -> Stores:
    found = Stores(mongo)
    await found.ready()
    return found


async def test_a_batch_of_claims_tells_each_claim_whether_its_pairing_holds_the_slot(
    mongo: AsyncDatabase[Document],
) -> None:
    slots = MongoSlots(mongo)
    await slots.ensure_indexes()
    assert await slots.claim_each([SlotClaim("a#0", "pr-earlier", PROGRAM)]) == [True]
    assert await slots.claim_each([SlotClaim("b#0", "pr-other", PROGRAM)]) == [True]

    held = await slots.claim_each(
        [
            SlotClaim("c#0", "pr-1", PROGRAM),  # free
            SlotClaim("d#0", "pr-1", PROGRAM),  # free, then asked again in the same batch:
            SlotClaim("d#0", "pr-2", PROGRAM),  # a duplicate inside the batch
            SlotClaim("a#0", "pr-earlier", PROGRAM),  # held by an earlier try of its pairing
            SlotClaim("b#0", "pr-3", PROGRAM),  # held by another pairing
        ]
    )

    assert held == [True, True, False, True, False]
    stored = {d["_id"]: d["pairing_id"] async for d in mongo["slots"].find({})}
    assert stored == {"a#0": "pr-earlier", "b#0": "pr-other", "c#0": "pr-1", "d#0": "pr-1"}


async def test_a_batch_of_pairings_stores_each_new_one_once_with_one_event(
    mongo: AsyncDatabase[Document],
) -> None:
    pairings = MongoPairings(mongo)
    await pairings.ensure_indexes()
    first, second = pairing("pr-1"), pairing("pr-2")
    events = {r.id: event_for(r, "proposed", correlation_id=None) for r in (first, second)}
    assert await pairings.create_each([(first, events["pr-1"])]) == [True]

    stored = await pairings.create_each(
        [(second, events["pr-2"]), (second, events["pr-2"]), (first, events["pr-1"])]
    )

    assert stored == [True, False, False]  # a duplicate inside the batch, and one stored before
    for record in (first, second):
        [unsent] = await pairings.unpublished(PROGRAM, [record.id])
        assert [h["event_id"] for _, h in unsent.payloads] == [str(events[record.id].event_id)]


async def test_the_relay_takes_a_batch_of_new_pairings_without_reading_them_back(
    mongo_uri: str, mongo_db: str, mongo: AsyncDatabase[Document]
) -> None:
    commands = Commands()
    client: AsyncMongoClient[Document] = AsyncMongoClient(mongo_uri, event_listeners=[commands])
    pairings = MongoPairings(client[mongo_db])
    records = [pairing(f"pr-{i}", older=f"o{i}") for i in range(3)]
    ids = [r.id for r in records]
    try:
        new = [(r, event_for(r, "proposed", correlation_id=None)) for r in records]
        assert await pairings.create_each(new) == [True] * 3
        taken = await pairings.unpublished(PROGRAM, ids)
    finally:
        await client.close()

    assert commands.sent[("find", "pairings")] == 0
    as_stored = await MongoPairings(mongo).unpublished(PROGRAM, ids)
    assert sorted(taken, key=lambda u: u.pairing_id) == as_stored


async def test_a_pair_whose_expected_slot_is_taken_is_not_proposed_and_frees_the_other(
    stores: Stores,
) -> None:
    # y0 (two slots, two pairs planned) lost its first slot to a pairing of the continuous path
    await stores.db["slots"].insert_one(
        {"_id": "y0#0", "pairing_id": "pr-elsewhere", "program_id": PROGRAM, "claimed_at": NOW}
    )

    await stores.replica().step(PROGRAM, round_due())

    record = await stores.rounds.get(ROUND)
    assert record is not None and record.state == "done" and record.proposed == 5
    pairings = await stores.live()
    assert len(pairings) == 5
    assert sum("y0" in (p.younger.id, p.older.id) for p in pairings) == 1
    held = await stores.slots_held()
    assert held == {slot: p.id for p in pairings for slot in p.slots} | {"y0#0": "pr-elsewhere"}


async def test_a_store_error_in_the_middle_of_a_batch_of_claims_is_finished_by_redelivery(
    mongo: AsyncDatabase[Document],
) -> None:
    stores = Stores(mongo)
    stores.slots = dying = DyingSlots(mongo)
    await stores.ready()
    with pytest.raises(ConnectionError):
        await stores.replica().step(PROGRAM, round_due())
    assert await stores.live() == [] and len(await stores.slots_held()) == 6

    dying.dying = False
    await stores.replica().step(PROGRAM, round_due())

    assert stores.rounds.planned == 1
    await assert_proposed_once_with_one_slot_each(stores)


async def test_a_crash_between_the_slots_and_the_pairings_is_finished_by_a_restart(
    stores: Stores,
) -> None:
    stores.pairings.survive = 0  # every slot of the round is claimed, no pairing is written
    with pytest.raises(ConnectionError):
        await stores.replica().step(PROGRAM, round_due())
    assert await stores.live() == [] and len(await stores.slots_held()) == 12

    stores.pairings.survive = 1_000
    await stores.replica().step(PROGRAM, round_due())

    assert stores.rounds.planned == 1  # solved once; the orphan slots were the plan's own
    await assert_proposed_once_with_one_slot_each(stores)
