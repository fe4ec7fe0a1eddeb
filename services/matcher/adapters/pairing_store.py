"""Pairing documents in MongoDB, each with its outbox embedded (`outbox_docs`).

A state change is one single-document update, fenced on `sequence` (`shared.fence`: the fence
`<pairing>#<sequence>` is inserted first, so of two writers computing from the same sequence only
one moves it on; on MongoDB the update stays conditional on the sequence read as well): the new
state, and the event it emits pushed onto `outbox` with its id onto `outbox_unsent`. Either all of that is stored or none of it, so a change yields exactly one
outbox entry however often the command behind it is redelivered. `relay` publishes the entries of
the pairings a step wrote, read by `_id`, then pulls their ids from `outbox_unsent`, by `_id`:
point operations only, which FerretDB v1 answers from its index (any other filter reads the whole
collection there). What is asked by program (its pairings on take-over, its unsent events on
take-over and when the sweeper found it due, and the sweep itself) is read through the lists of
`pairing_lists`, kept beside every insert and event: point reads again, as many as the program
has pairings. Until a process has seen that the lists are complete (`ensure_indexes` builds them
once on a store written before they existed), on MongoDB (which answers it from an index), and
for a program with more pairings than are worth reading by id (`id_lists`), it asks by query.

What a pairing proposes (both people and the explanation) is set once and never queried, so it
is stored as one value, its JSON (`proposal`): a round writes thousands of pairings at once, and
FerretDB v1 spends its time per field (2,800 pairings: 0.97 s of the store's CPU instead of
2.04 s). Pairings stored with those as fields are read as well.

Its reads, and the pulls (repeating one changes nothing), are retried in place after a transient
store error (`shared.mongo.idempotent`).
"""

import json
from collections.abc import Collection, Mapping, Sequence
from datetime import datetime

from pymongo import ASCENDING, UpdateOne
from pymongo.asynchronous.database import AsyncDatabase

from services.matcher.adapters import outbox_docs
from services.matcher.adapters.just_created import JustCreated
from services.matcher.adapters.mongo_reads import find_by_ids
from services.matcher.adapters.pairing_lists import PairingLists
from services.matcher.core.lifecycle import AWAITING, PairingState
from services.matcher.usecases.ports import PairingRecord, Unpublished
from shared.envelope import Envelope
from shared.fence import Fenced, Write
from shared.inserts import Inserts, insert_each
from shared.mongo import (
    Document,
    answers_filters_by_index,
    idempotent,
    store_errors,
    update_points,
)

_STATUS_FIELDS = ("state", "accepted_by", "sequence", "reason_code", "reason")
_PROPOSAL_FIELDS = ("younger", "older", "explanation")
"""Set once, when the pairing is proposed, and stored as one value (their JSON): see above."""


class MongoPairings:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._pairings = db["pairings"]
        self._new = Inserts(self._pairings)
        self._published = db["published"]  # the markers of the old layout (`outbox_docs`)
        self._changes = Fenced(self._pairings, db["pairing_fences"], field="sequence")
        self._just_created = JustCreated()  # what the relay after the step need not read back
        self._lists = PairingLists(db)
        self._by_list = False  # whether a program is read through its list (`ensure_indexes`)

    async def ensure_indexes(self) -> None:
        """The indexes of the queries by program, person, expiry and unsent entries, where the
        store answers such a filter from an index; FerretDB v1 reads the whole collection for
        any of them anyway, and there an index would only cost every write (a round's 12,000
        pairings: 1.4 s of 5.8 s)."""
        with store_errors():
            if await answers_filters_by_index(self._pairings):
                await self._pairings.create_index([("program_id", ASCENDING), ("state", ASCENDING)])
                await self._pairings.create_index("people")
                await self._pairings.create_index([("state", ASCENDING), ("expires_at", ASCENDING)])
                await self._pairings.create_index("outbox_unsent")
            await outbox_docs.upgrade_legacy(self._pairings, self._published)
        await self._changes.prepare()
        await self._lists.build(self._pairings)
        with store_errors():
            self._by_list = not await answers_filters_by_index(self._pairings)

    @idempotent
    async def get(self, pairing_id: str) -> PairingRecord | None:
        with store_errors():
            doc = await self._pairings.find_one({"_id": pairing_id})  # no projection: a point read
        return record_of(doc) if doc else None

    @idempotent
    async def find(
        self,
        *,
        program_id: str | None,
        person_id: str | None,
        state: PairingState | None,
        limit: int,
    ) -> list[PairingRecord]:
        query: Document = {}
        if program_id:
            query["program_id"] = program_id
        if person_id:
            query["people"] = person_id
        if state:
            query["state"] = state.value
        with store_errors():
            cursor = self._pairings.find(query, {"outbox": 0}).sort("_id").limit(limit)
            return [record_of(doc) async for doc in cursor]

    @idempotent
    async def of_program(self, program_id: str) -> list[PairingRecord]:
        docs = await self._listed(program_id)
        if docs is None:
            return await self.find(program_id=program_id, person_id=None, state=None, limit=0)
        return [record_of(doc) for doc in docs]

    async def _listed(self, program_id: str) -> list[Document] | None:
        """Every pairing of the program, by its list (point reads); None: ask by query."""
        ids = await self._lists.of_program(program_id) if self._by_list else None
        if ids is None:
            return None
        with store_errors():
            docs = await find_by_ids(self._pairings, ids)
        return [doc for doc in docs if doc["program_id"] == program_id]

    async def create(self, record: PairingRecord, event: Envelope) -> bool:
        """Store a new pairing with its first event; False when the id exists already."""
        doc = _document(record) | outbox_docs.first(event, at=record.updated_at)
        await self._lists.created([record])
        if not await self._new.insert(doc):  # the new pairings of a step share round trips
            return False
        self._just_created.keep(doc)
        return True

    async def create_each(self, new: Sequence[tuple[PairingRecord, Envelope]]) -> list[bool]:
        """Store new pairings with their first events in one unordered insert (a round's);
        per pairing, False when the id exists already. A write error other than that is raised
        once the whole batch was tried. Not retried in place, as `create`: a retry would find
        its own earlier try as an existing pairing."""
        docs = [
            _document(record) | outbox_docs.first(event, at=record.updated_at)
            for record, event in new
        ]
        await self._lists.created([record for record, _ in new])
        stored = await insert_each(self._pairings, docs)
        if failed := [outcome for outcome in stored if isinstance(outcome, Exception)]:
            raise failed[0]
        for doc, done in zip(docs, stored, strict=True):
            if done is True:
                self._just_created.keep(doc)
        return [outcome is True for outcome in stored]

    async def save(
        self, record: PairingRecord, *, expected_sequence: int, event: Envelope | None
    ) -> bool:
        """Store a change computed from `expected_sequence` (it moves `sequence` on); False when
        another change from that sequence was stored, or the pairing is gone. Concurrent saves
        share round trips, and a retry recognises its own earlier try."""
        update: Document = {"$set": _status(record)}
        if event is not None:
            await self._lists.changed([record])
            added = outbox_docs.push(event, at=record.updated_at)
            update = added | {"$set": _status(record) | added["$set"]}
        change = Write(
            key=record.id, expected=expected_sequence, new=record.sequence, update=update
        )
        self._just_created.forget(record.id)
        return await self._changes.write(change)

    @idempotent
    async def unpublished(
        self, program_id: str, ids: Collection[str] | None = None
    ) -> list[Unpublished]:
        """The unpublished entries of these pairings, read by `_id`; with `ids` None, of the
        whole program, which scans (take-over and due programs only, see the module)."""
        with store_errors():
            if ids is None:
                self._just_created.forget_program(program_id)
                docs = await self._whole(program_id)
            else:
                docs, unknown = self._just_created.take(ids)
                docs += await find_by_ids(self._pairings, unknown)
                docs = [doc for doc in docs if doc["program_id"] == program_id]
        found = [outbox_docs.unpublished(doc) for doc in docs]
        found = [entries for entries in found if entries.payloads]
        self._lists.relaying(program_id, [entries.pairing_id for entries in found])
        return found

    async def _whole(self, program_id: str) -> list[Document]:
        """Every pairing of the program that may hold unsent entries; with the lists complete,
        every pairing of the program, from which its unsent list is set again."""
        if not self._lists.complete:
            query = {"program_id": program_id} | outbox_docs.UNSENT
            return [doc async for doc in self._pairings.find(query)]
        docs = await self._listed(program_id)
        if docs is None:
            docs = [doc async for doc in self._pairings.find({"program_id": program_id})]
        await self._lists.relist(program_id, docs)
        return docs

    @idempotent
    async def mark_published(self, sent: Mapping[str, Collection[str]]) -> None:
        """Record that these entries (event ids by pairing) are published: one point update per
        pairing, 32 to a command (`update_points`). An entry added meanwhile stays unsent."""
        writes = [
            UpdateOne({"_id": pid}, outbox_docs.pull(sorted(ids)))
            for pid, ids in sorted(sent.items())
            if ids
        ]
        await update_points(self._pairings, writes)
        await self._lists.published(sent)

    @idempotent
    async def due_programs(self, *, now: datetime, stuck_before: datetime) -> set[str]:
        """Programs with a proposal past its expiry or an outbox entry stuck unpublished."""
        if self._lists.complete:
            return await self._lists.due_programs(now=now, stuck_before=stuck_before)
        expired = {"state": {"$in": [s.value for s in AWAITING]}, "expires_at": {"$lt": now}}
        stuck = outbox_docs.UNSENT | {"outbox_at": {"$lt": stuck_before}}
        with store_errors():
            found = await self._pairings.distinct("program_id", {"$or": [expired, stuck]})
        return {str(program) for program in found}

    @idempotent
    async def add_flag(self, pairing_id: str, flag: str) -> None:
        with store_errors():
            await self._pairings.update_one({"_id": pairing_id}, {"$addToSet": {"flags": flag}})

    @idempotent
    async def count_by_state(self) -> dict[str, int]:
        with store_errors():
            cursor = await self._pairings.aggregate(
                [{"$group": {"_id": "$state", "n": {"$sum": 1}}}]
            )
            return {str(row["_id"]): int(row["n"]) async for row in cursor}


def _document(record: PairingRecord) -> Document:
    doc = record.model_dump(mode="json", exclude={"id", *_PROPOSAL_FIELDS})
    doc["proposal"] = record.model_dump_json(include=set(_PROPOSAL_FIELDS)).encode()
    times = {"proposed_at": record.proposed_at, "expires_at": record.expires_at}
    return doc | times | _status(record) | {"_id": record.id, "people": _people(record)}


def _status(record: PairingRecord) -> Document:
    fields = record.model_dump(mode="json", include=set(_STATUS_FIELDS))
    times = {"expires_at": record.expires_at, "updated_at": record.updated_at}
    if record.activated_at is not None:
        times["activated_at"] = record.activated_at
    if record.closed_at is not None:
        times["closed_at"] = record.closed_at
    return fields | times


def _people(record: PairingRecord) -> list[str]:
    return [record.younger.id, record.older.id]


def record_of(doc: Document) -> PairingRecord:
    """A stored pairing, in either layout (the proposal as one value, or the earlier fields)."""
    proposal = json.loads(doc["proposal"]) if "proposal" in doc else {}
    return PairingRecord.model_validate(doc | proposal | {"id": doc["_id"]})
