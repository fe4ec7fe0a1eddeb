"""Pairing documents in MongoDB, each with its outbox embedded.

A state change is one conditional single-document update: the new state, a `sequence` check
against the state it was computed from, and the event it emits pushed onto `outbox`. Either all
of that is stored or none of it, so a change yields exactly one outbox entry however often the
command behind it is redelivered. `relay` publishes the entries, then inserts a marker
"<pairing>:<count>" into `published`: the first `count` entries (`outbox_seq` counts every entry
ever added) are out, so an entry added meanwhile stays pending. The marker is an insert because
FerretDB v1 reads the whole collection for every update and every query but a single `_id`
lookup; `outbox_pending` is cleared later, in bulk (`settle`), so the sweep stops finding it.

Its reads are retried in place after a transient store error (`shared.mongo.idempotent`): a
repeated read changes nothing.
"""

from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from services.matcher.adapters.mongo_reads import find_by_ids
from services.matcher.core.lifecycle import AWAITING, PairingState
from services.matcher.usecases.ports import PairingRecord, Unpublished
from shared.envelope import Envelope
from shared.kafka import encode
from shared.mongo import Document, idempotent, insert_markers, store_errors

_STATUS_FIELDS = ("state", "accepted_by", "sequence", "reason_code", "reason")


class MongoPairings:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._pairings = db["pairings"]
        self._published = db["published"]

    async def ensure_indexes(self) -> None:
        with store_errors():
            await self._pairings.create_index([("program_id", ASCENDING), ("state", ASCENDING)])
            await self._pairings.create_index("people")
            await self._pairings.create_index([("state", ASCENDING), ("expires_at", ASCENDING)])
            await self._pairings.create_index("outbox_pending")

    @idempotent
    async def get(self, pairing_id: str) -> PairingRecord | None:
        with store_errors():
            doc = await self._pairings.find_one({"_id": pairing_id})  # no projection: a point read
        return _record(doc) if doc else None

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
            return [_record(doc) async for doc in cursor]

    async def of_program(self, program_id: str) -> list[PairingRecord]:
        return await self.find(program_id=program_id, person_id=None, state=None, limit=0)

    async def create(self, record: PairingRecord, event: Envelope) -> bool:
        """Store a new pairing with its first event; False when the id exists already."""
        doc = _document(record) | {
            "outbox": [_entry(event)],
            "outbox_seq": 1,
            "outbox_pending": True,
            "outbox_at": record.updated_at,
        }
        try:
            with store_errors():
                await self._pairings.insert_one(doc)
        except DuplicateKeyError:
            return False
        return True

    async def save(
        self, record: PairingRecord, *, expected_sequence: int, event: Envelope | None
    ) -> bool:
        """Store a change computed from `expected_sequence`; False when the pairing moved on."""
        update: Document = {"$set": _status(record)}
        if event is not None:
            update["$set"] |= {"outbox_pending": True, "outbox_at": record.updated_at}
            update |= {"$push": {"outbox": _entry(event)}, "$inc": {"outbox_seq": 1}}
        with store_errors():
            result = await self._pairings.update_one(
                {"_id": record.id, "sequence": expected_sequence}, update
            )
        return result.matched_count == 1

    @idempotent
    async def unpublished(
        self, program_id: str, ids: Collection[str] | None = None
    ) -> list[Unpublished]:
        query: Document = {"program_id": program_id, "outbox_pending": True}
        with store_errors():
            if ids is None:
                projection = {"outbox": 1, "outbox_seq": 1}
                docs = [doc async for doc in self._pairings.find(query, projection)]
            else:
                docs = await find_by_ids(
                    self._pairings,
                    ids,
                    keep=lambda d: d["program_id"] == program_id and d["outbox_pending"],
                )
            found = [await self._unpublished(doc) for doc in docs]
        return [entries for entries in found if entries.payloads]

    async def mark_published(self, counts: Mapping[str, int]) -> None:
        """Record that the first `count` outbox entries of each pairing are published: one
        marker document per (pairing, count), inserted, so that marking costs the same however
        many pairings are stored (FerretDB v1 scans the whole collection for every update)."""
        with store_errors():
            await insert_markers(
                self._published, [_marker(pid, count) for pid, count in sorted(counts.items())]
            )

    async def settle(self, program_id: str) -> None:
        """Clear `outbox_pending` on the program's pairings whose outbox is all published, so
        that the sweep stops finding them. One scan and one statement per distinct count: run
        on take-over and for due programs, not on every step."""
        query: Document = {"program_id": program_id, "outbox_pending": True}
        by_count: dict[int, list[str]] = {}
        with store_errors():
            async for doc in self._pairings.find(query, {"outbox": 1, "outbox_seq": 1}):
                if not (await self._unpublished(doc)).payloads:
                    by_count.setdefault(int(doc["outbox_seq"]), []).append(doc["_id"])
            for count, ids in sorted(by_count.items()):
                await self._pairings.update_many(
                    {"_id": {"$in": sorted(ids)}, "outbox_seq": count},
                    {"$set": {"outbox_pending": False}},
                )

    async def _unpublished(self, doc: Document) -> Unpublished:
        """The entries after the highest marked count (markers are cumulative)."""
        entries: list[Any] = doc.get("outbox", [])
        end = int(doc["outbox_seq"])
        first = end - len(entries)
        done = first
        for count in range(end, first, -1):
            if await self._published.find_one({"_id": _marker(doc["_id"], count)}) is not None:
                done = count
                break
        payloads = [(bytes(e["payload"]), dict(e["headers"])) for e in entries[done - first :]]
        return Unpublished(pairing_id=doc["_id"], start=done, payloads=payloads)

    @idempotent
    async def due_programs(self, *, now: datetime, stuck_before: datetime) -> set[str]:
        """Programs with a proposal past its expiry or an outbox entry stuck unpublished."""
        expired = {"state": {"$in": [s.value for s in AWAITING]}, "expires_at": {"$lt": now}}
        stuck = {"outbox_pending": True, "outbox_at": {"$lt": stuck_before}}
        with store_errors():
            found = await self._pairings.distinct("program_id", {"$or": [expired, stuck]})
        return {str(program) for program in found}

    @idempotent
    async def count_by_state(self) -> dict[str, int]:
        with store_errors():
            cursor = await self._pairings.aggregate(
                [{"$group": {"_id": "$state", "n": {"$sum": 1}}}]
            )
            return {str(row["_id"]): int(row["n"]) async for row in cursor}


def _document(record: PairingRecord) -> Document:
    doc = record.model_dump(mode="json", exclude={"id"})
    times = {"proposed_at": record.proposed_at, "expires_at": record.expires_at}
    return doc | times | _status(record) | {"_id": record.id, "people": _people(record)}


def _status(record: PairingRecord) -> Document:
    fields = record.model_dump(mode="json", include=set(_STATUS_FIELDS))
    return fields | {"expires_at": record.expires_at, "updated_at": record.updated_at}


def _people(record: PairingRecord) -> list[str]:
    return [record.younger.id, record.older.id]


def _entry(event: Envelope) -> Document:
    return {"payload": encode(event), "headers": event.headers()}


def _marker(pairing_id: str, count: int) -> str:
    return f"{pairing_id}:{count}"


def _record(doc: Document) -> PairingRecord:
    return PairingRecord.model_validate(doc | {"id": doc["_id"]})
