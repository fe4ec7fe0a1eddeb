"""Where profiles live: a small port and its MongoDB implementation.

One document per profile (see `records.py`). Every write is a point operation: an insert that
relies on the unique `_id` and the unique (program_id, email) index, or an update by `_id` fenced
on the version that was read (`shared.fence`: the fence `<id>#<version>` is inserted first, so of
two writers only one takes a version; on MongoDB the update stays conditional on the version read
as well). New events are `$push`ed onto the embedded outbox, so a writer never overwrites what the
relay is doing with older entries.

Its reads are retried in place after a transient store error (`shared.mongo.idempotent`): a
repeated read changes nothing.
"""

import asyncio
from dataclasses import dataclass
from typing import Protocol

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import WriteError

from services.profiles.errors import DuplicateEmail
from services.profiles.records import (
    ProfileRecord,
    from_document,
    removed_by_deletion,
    state_of,
    to_document,
)
from shared.fence import Fenced, Write
from shared.inserts import Inserts
from shared.mongo import DUPLICATE_KEY, Document, idempotent, is_unique_violation, store_errors
from shared.vocabulary import Skill

COLLECTION = "profiles"
FENCES = "profile_fences"
EMAIL_INDEX = "email_per_program"
REFUSALS_KEPT = 10_000


@dataclass(frozen=True, kw_only=True)
class ProfileQuery:
    """Filters of a listing; `after` is the last id of the previous page."""

    program_id: str | None = None
    skill_offered: Skill | None = None
    skill_wanted: Skill | None = None
    opted_in: bool | None = None
    after: str | None = None

    def filter(self) -> Document:
        found: Document = {"deleted": {"$ne": True}}
        if self.after is not None:
            found["_id"] = {"$gt": self.after}
        if self.program_id is not None:
            found["program_id"] = self.program_id
        if self.skill_offered is not None:
            found["skills_offered.vocabulary"] = self.skill_offered.value
        if self.skill_wanted is not None:
            found["skills_wanted.vocabulary"] = self.skill_wanted.value
        if self.opted_in is not None:
            found["opted_in"] = self.opted_in
        return found


class ProfileStore(Protocol):
    """Profiles by id. `insert` and `update` return False when another writer got there first."""

    async def ensure_indexes(self) -> None: ...
    async def get(self, profile_id: str) -> ProfileRecord | None: ...
    async def insert(self, record: ProfileRecord) -> bool: ...
    async def update(self, record: ProfileRecord, *, expected_version: int) -> bool: ...
    async def find(self, query: ProfileQuery, *, limit: int) -> list[ProfileRecord]: ...


class MongoProfileStore:
    def __init__(self, database: AsyncDatabase[Document]) -> None:
        self._profiles = database[COLLECTION]
        self._new = Inserts(self._profiles)
        self._changes = Fenced(self._profiles, database[FENCES], field="version")
        self._refused: dict[tuple[str, int], ProfileRecord] = {}  # see `get`

    async def ensure_indexes(self) -> None:
        with store_errors():
            await self._profiles.create_index(
                [("program_id", ASCENDING), ("email", ASCENDING)], unique=True, name=EMAIL_INDEX
            )
        await self._changes.prepare()

    @idempotent
    async def get(self, profile_id: str) -> ProfileRecord | None:
        """The profile. For the task whose insert of this id was just refused: what that
        insert's read found, once (an upsert's next step decides again on it; its fenced update
        fails and reads afresh if another writer came between). That saves a re-import one
        point read per row; any other caller reads the store."""
        if (refused := self._refused.pop(_mine(profile_id), None)) is not None:
            return refused
        with store_errors():
            document = await self._profiles.find_one({"_id": profile_id})
        return from_document(document) if document is not None else None

    @idempotent
    async def insert(self, record: ProfileRecord) -> bool:
        """Inserts of concurrent writers (the profiles of one ingress poll or import chunk)
        share their round trips (`Inserts`). A refused insert is told apart by a point read:
        the id is stored (by another writer, or by this very record's earlier try whose answer
        was lost: then it is done), or the email is taken in the program. So a retry is safe."""
        if await self._new.insert(to_document(record)):
            return True
        with store_errors():
            document = await self._profiles.find_one({"_id": record.id})
        if document is None:
            raise DuplicateEmail(record.program_id)
        ours = record.outbox[-1].event_id
        if any(entry.get("event_id") == ours for entry in document.get("outbox", [])):
            return True
        if len(self._refused) >= REFUSALS_KEPT:
            self._refused.clear()  # left by writes that gave up: nobody asks for them again
        self._refused[_mine(record.id)] = from_document(document)
        return False

    async def update(self, record: ProfileRecord, *, expected_version: int) -> bool:
        """A fenced point update (`shared.fence`) from `expected_version` to the record's
        version. Concurrent updates (the changed profiles of one ingress poll or import chunk)
        share one insert of fences and one bulk write."""
        change: Document = {
            "$set": state_of(record),
            "$push": {"outbox": record.outbox[-1].model_dump()},
        }
        if record.deleted:
            change["$unset"] = removed_by_deletion()
        write = Write(key=record.id, expected=expected_version, new=record.version, update=change)
        try:
            return await self._changes.write(write)
        except WriteError as exc:
            if exc.code == DUPLICATE_KEY or is_unique_violation(exc):
                raise DuplicateEmail(record.program_id) from exc
            raise

    @idempotent
    async def find(self, query: ProfileQuery, *, limit: int) -> list[ProfileRecord]:
        with store_errors():
            cursor = self._profiles.find(query.filter()).sort("_id", ASCENDING).limit(limit)
            return [from_document(document) async for document in cursor]


def _mine(profile_id: str) -> tuple[str, int]:
    """`profile_id` as the current task asks for it."""
    return profile_id, id(asyncio.current_task())
