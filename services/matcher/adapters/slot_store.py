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

Each program lists the slots ever claimed in it (`slots:<program>` in `memberships`, `id_lists`):
a claim adds the ids it may take before its insert, and ids are never removed (a slot id is
its person's, so the list grows only with the people): the list is never behind the slots, and
a program's slots (`of_program`, on take-over and when the program is due) are point reads of
the list and of the slots in it, checked for their program. A store written before the lists
existed gets them at start-up (one scan, then the marker `built:slots`); until a process has seen
the marker it asks by query. The sweep's question, which programs claimed a slot long enough
ago, is answered from `slot_claims` the same way.

Its reads, releases (deleting twice frees the same) and batch claims (a slot an earlier try
stored reads as held by its pairing) are retried in place after a transient store error
(`shared.mongo.idempotent`).
"""

import asyncio
from collections.abc import Collection, Sequence
from datetime import UTC, datetime

from pymongo import DeleteOne
from pymongo.asynchronous.database import AsyncDatabase

from services.matcher.adapters.id_lists import READ_BY_ID_AT_MOST, IdLists
from services.matcher.adapters.mongo_reads import find_by_ids
from services.matcher.adapters.slot_claims import SlotClaims
from services.matcher.usecases.ports import Slot, SlotClaim, slot_id, slot_order
from shared.inserts import Inserts, insert_each
from shared.mongo import Document, answers_filters_by_index, idempotent, store_errors


class MongoSlots:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._slots = db["slots"]
        self._claims = Inserts(self._slots)  # the claims of one step share their round trips
        self._conditional = False  # learnt in `ensure_indexes`
        self._lists = IdLists(db["memberships"])
        self._listed = False  # whether every slot is in its program's list (`ensure_indexes`)
        self._claim_times = SlotClaims(db)
        self._notes: dict[str, list[str]] = {}  # per program: notes of claims not yet settled

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
        await self._list_every_slot()

    async def _list_every_slot(self) -> None:
        """List the slots claimed before the lists existed: one scan, once per store."""
        if not await self._lists.marked(BUILT):
            by_program: dict[str, set[str]] = {}
            with store_errors():
                async for doc in self._slots.find({}):
                    by_program.setdefault(str(doc.get("program_id")), set()).add(doc["_id"])
            for program, ids in sorted(by_program.items()):
                await self._lists.add(_list(program), ids)
                await self._claim_times.add(program, datetime.now(UTC))  # each looked at once
            await self._lists.mark(BUILT)
        self._listed = True  # the sweep reads the claim notes on any store

    async def claim(
        self, person_id: str, capacity: int, *, pairing_id: str, program_id: str, first: int = 0
    ) -> str | None:
        """The id of a free slot now held by `pairing_id`, or None when all are taken. A slot
        this pairing claimed before (a try cut short by a crash) is its own again, so a round
        resumed after a restart proposes the pairs it planned. A round names the slot it
        expects to be free (`first`): then a claim is one insert, without a read."""
        now = datetime.now(UTC)
        order = slot_order(capacity, first)
        await self._listed_first(program_id, [slot_id(person_id, k) for k in order], now)
        for k in order:
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
        for program in sorted({c.program_id for c in claims}):
            ids = [c.slot_id for c in claims if c.program_id == program]
            await self._listed_first(program, ids, now)
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

    async def _listed_first(self, program_id: str, ids: list[str], now: datetime) -> None:
        """Before a claim: its slots in the program's list, its second in the claim times."""
        _, note = await asyncio.gather(
            self._lists.add(_list(program_id), ids),
            self._claim_times.add(program_id, now),
        )
        self._notes.setdefault(program_id, []).append(note)

    async def claims_kept(self, program_id: str) -> None:
        await self._claim_times.forget(self._notes.pop(program_id, []))

    def claims_unsure(self, program_id: str) -> None:
        self._notes.pop(program_id, None)  # the notes stay, for the orphan sweep

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
        if self._listed:
            return await self._claim_times.claimed_before(until)
        with store_errors():
            found = await self._slots.distinct(
                "program_id", {"claimed_at": {"$gte": since, "$lt": until}}
            )
        return {str(program) for program in found}

    async def claims_swept(self) -> None:
        if self._listed:
            await self._claim_times.swept()

    @idempotent
    async def of_program(self, program_id: str) -> list[Slot]:
        ids = None  # by query on MongoDB, and for a list too long to read by id (`id_lists`)
        if self._listed and not self._conditional:
            ids = await self._lists.read(_list(program_id), at_most=READ_BY_ID_AT_MOST)
        with store_errors():
            if ids is not None:
                mine = await find_by_ids(
                    self._slots, ids, keep=lambda d: d["program_id"] == program_id
                )
            else:
                mine = [d async for d in self._slots.find({"program_id": program_id})]
        return [Slot(d["_id"], d["pairing_id"], d["claimed_at"]) for d in mine]


BUILT = "built:slots"
"""The marker that every stored slot is in its program's list."""


def _list(program_id: str) -> str:
    return f"slots:{program_id}"
