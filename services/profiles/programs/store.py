"""Where program records live: a small port and its MongoDB implementation.

Point operations and inserts only, as for profiles: a new program is an insert (the unique `_id`
refuses a second), a change is an update by `_id` fenced on the version read (`shared.fence`),
with its event `$push`ed onto the embedded outbox. Published entries leave the outbox by a
`$pullAll` by `_id`. Listing and the relay's recovery sweep read the whole collection: programs
are few (one document each), so that stays small.
"""

from collections.abc import Sequence
from typing import Protocol

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase

from services.profiles.programs.records import (
    ProgramRecord,
    from_document,
    state_of,
    to_document,
)
from services.profiles.records import OutboxEntry
from shared.fence import Fenced, Write
from shared.inserts import Inserts
from shared.mongo import Document, idempotent, store_errors

COLLECTION = "programs"
FENCES = "program_fences"
PENDING = {"outbox.0": {"$exists": True}}


class ProgramStore(Protocol):
    """Programs by id. `insert` and `update` return False when another writer got there first."""

    async def ensure_indexes(self) -> None: ...
    async def get(self, program_id: str) -> ProgramRecord | None: ...
    async def insert(self, record: ProgramRecord) -> bool: ...
    async def update(self, record: ProgramRecord, *, expected_version: int) -> bool: ...
    async def every(self, *, limit: int, after: str | None = None) -> list[ProgramRecord]: ...
    async def pending(self) -> list[ProgramRecord]: ...
    async def mark(self, program_id: str, entries: Sequence[OutboxEntry]) -> None: ...


class MongoProgramStore:
    def __init__(self, database: AsyncDatabase[Document]) -> None:
        self._programs = database[COLLECTION]
        self._new = Inserts(self._programs)
        self._changes = Fenced(self._programs, database[FENCES], field="version")

    async def ensure_indexes(self) -> None:
        await self._changes.prepare()

    @idempotent
    async def get(self, program_id: str) -> ProgramRecord | None:
        with store_errors():
            document = await self._programs.find_one({"_id": program_id})
        return from_document(document) if document is not None else None

    @idempotent
    async def insert(self, record: ProgramRecord) -> bool:
        """A refused insert is told apart by a point read: this very record's earlier try (whose
        answer was lost: done) or another writer's program."""
        if await self._new.insert(to_document(record)):
            return True
        with store_errors():
            document = await self._programs.find_one({"_id": record.id})
        ours = record.outbox[-1].event_id
        return document is not None and any(
            entry.get("event_id") == ours for entry in document.get("outbox", [])
        )

    async def update(self, record: ProgramRecord, *, expected_version: int) -> bool:
        change: Document = {
            "$set": state_of(record),
            "$push": {"outbox": record.outbox[-1].model_dump()},
        }
        write = Write(key=record.id, expected=expected_version, new=record.version, update=change)
        return await self._changes.write(write)

    @idempotent
    async def every(self, *, limit: int, after: str | None = None) -> list[ProgramRecord]:
        query: Document = {} if after is None else {"_id": {"$gt": after}}
        with store_errors():
            cursor = self._programs.find(query).sort("_id", ASCENDING).limit(limit)
            return [from_document(document) async for document in cursor]

    @idempotent
    async def pending(self) -> list[ProgramRecord]:
        with store_errors():
            cursor = self._programs.find(PENDING).sort("_id", ASCENDING)
            return [from_document(document) async for document in cursor]

    @idempotent
    async def mark(self, program_id: str, entries: Sequence[OutboxEntry]) -> None:
        """Remove these published entries (exactly as stored); repeating it changes nothing."""
        stored = [entry.model_dump() for entry in entries]
        with store_errors():
            await self._programs.update_one({"_id": program_id}, {"$pullAll": {"outbox": stored}})
