"""Per-person pairing slots in MongoDB: the store-side guard against double pairing.

A slot's id is `person#k` with k below the person's capacity, and `_id` is unique, so at most
`capacity` live pairings can hold a slot of one person whichever process claims them. A slot
names the pairing that holds it, and the pairing names its slots (`PairingRecord.slots`), so a
terminal pairing releases exactly those: point deletes by `_id`, all in one round trip. On
MongoDB each delete is also conditional on the pairing (`ensure_indexes` asks the store whether
such a filter costs a point lookup), so a release repeated by a stale replica after the slot was claimed
again frees nothing. FerretDB v1 would read the whole collection for that filter; there the
delete is by `_id` alone, which the local stack, one replica per program, does not race.

A round claims the slots of a chunk of its pairs at once (`claim_each`): one unordered insert
of all of them, then a point read of each that was taken, to tell an earlier try of the same
pairing from another pairing.

Its reads, releases (deleting twice frees the same) and batch claims (a slot an earlier try
stored reads as held by its pairing) are retried in place after a transient store error
(`shared.mongo.idempotent`).
"""

from collections.abc import Collection, Sequence
from datetime import UTC, datetime

from pymongo import DeleteOne
from pymongo.asynchronous.database import AsyncDatabase

from services.matcher.adapters.mongo_reads import find_by_ids
from services.matcher.usecases.ports import Slot, SlotClaim, slot_id, slot_order
from shared.inserts import Inserts, insert_each
from shared.mongo import Document, answers_filters_by_index, idempotent, store_errors


class MongoSlots:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._slots = db["slots"]
        self._claims = Inserts(self._slots)  # the claims of one step share their round trips
        self._conditional = False  # learnt in `ensure_indexes`

    async def ensure_indexes(self) -> None:
        """The indexes for the queries by pairing, program and claim time, where the store
        answers such a filter from an index; FerretDB v1 reads the whole collection for any of
        them anyway, and there an index would only cost every claim (a round's slots: 0.8 s of
        2.1 s at 24,000)."""
        with store_errors():
            self._conditional = await answers_filters_by_index(self._slots)
            if self._conditional:
                await self._slots.create_index("pairing_id")
                await self._slots.create_index("program_id")
                await self._slots.create_index("claimed_at")

    async def claim(
        self, person_id: str, capacity: int, *, pairing_id: str, program_id: str, first: int = 0
    ) -> str | None:
        """The id of a free slot now held by `pairing_id`, or None when all are taken. A slot
        this pairing claimed before (a try cut short by a crash) is its own again, so a round
        resumed after a restart proposes the pairs it planned. A round names the slot it
        expects to be free (`first`): then a claim is one insert, without a read."""
        now = datetime.now(UTC)
        for k in slot_order(capacity, first):
            slot = {
                "_id": slot_id(person_id, k),
                "pairing_id": pairing_id,
                "program_id": program_id,
                "claimed_at": now,
            }
            if await self._claims.insert(slot):
                return str(slot["_id"])
            if await self._held_by(str(slot["_id"]), pairing_id):
                return str(slot["_id"])  # claimed by an earlier try of the same pairing
        return None

    @idempotent
    async def claim_each(self, claims: Sequence[SlotClaim]) -> list[bool]:
        """Per claim, whether its slot is now held by its pairing; a write error other than a
        taken slot is raised once the whole batch was tried."""
        now = datetime.now(UTC)
        docs = [
            {"_id": c.slot_id, "pairing_id": c.pairing_id, "program_id": c.program_id}
            | {"claimed_at": now}
            for c in claims
        ]
        stored = await insert_each(self._slots, docs)
        if failed := [outcome for outcome in stored if isinstance(outcome, Exception)]:
            raise failed[0]
        taken = {c.slot_id for c, done in zip(claims, stored, strict=True) if not done}
        with store_errors():
            holders = {d["_id"]: d["pairing_id"] for d in await find_by_ids(self._slots, taken)}
        return [
            done is True or holders.get(c.slot_id) == c.pairing_id
            for c, done in zip(claims, stored, strict=True)
        ]

    @idempotent
    async def _held_by(self, slot_id: str, pairing_id: str) -> bool:
        """Whether the slot is held by this pairing (a point read)."""
        with store_errors():
            found = await self._slots.find_one({"_id": slot_id})
        return found is not None and found["pairing_id"] == pairing_id

    @idempotent
    async def release(self, pairing_id: str, slot_ids: Collection[str]) -> None:
        """Free these slots of `pairing_id`: one batch of point deletes."""
        held = {"pairing_id": pairing_id} if self._conditional else {}
        deletes = [DeleteOne({"_id": slot_id} | held) for slot_id in sorted(slot_ids)]
        if deletes:
            with store_errors():
                await self._slots.bulk_write(deletes, ordered=False)

    @idempotent
    async def release_pairing(self, pairing_id: str) -> None:
        """Free every slot of a pairing stored before pairings named their slots (a scan)."""
        with store_errors():
            await self._slots.delete_many({"pairing_id": pairing_id})

    @idempotent
    async def programs_claimed_between(self, *, since: datetime, until: datetime) -> set[str]:
        with store_errors():
            found = await self._slots.distinct(
                "program_id", {"claimed_at": {"$gte": since, "$lt": until}}
            )
        return {str(program) for program in found}

    @idempotent
    async def of_program(self, program_id: str) -> list[Slot]:
        with store_errors():
            cursor = self._slots.find({"program_id": program_id})
            return [Slot(d["_id"], d["pairing_id"], d["claimed_at"]) async for d in cursor]
