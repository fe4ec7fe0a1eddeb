"""The relay's side of the profile documents: reading pending events and recording them sent.

Same collection as `store.py`, a separate port: the relay never changes a profile, only removes
outbox entries it has published (and tombstones whose deletion it has published).

Every access on the relay's usual path is a point operation by `_id` or an insert, because
FerretDB v1 serves only a filter that is exactly `{_id: value}` from an index and reads the whole
collection for any other. An event published is first marked: one small document `{_id: event
id, profile_id}` in `profile_sent`, inserted (a duplicate is an earlier try: done). Later its
entry is trimmed: a `$pullAll` of the exact entry, by `_id`, which removes nothing else, so it
needs no version condition (an entry written since is not in the list), and then its mark is
deleted by `_id`. Each step may be repeated, so each is retried in place. Only the recovery sweep
(`pending`) and the start-up read of the marks (`marked`) read a whole collection.
"""

from collections.abc import Mapping, Sequence
from typing import Protocol

from pymongo import ASCENDING, DeleteOne, UpdateOne
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError

from services.profiles.records import OutboxEntry, ProfileRecord, from_document
from services.profiles.store import COLLECTION, FENCES
from shared.fence import Fenced
from shared.inserts import is_duplicate
from shared.mongo import Document, idempotent, store_errors, update_points

PENDING = {"outbox.0": {"$exists": True}}
SENT = "profile_sent"
CHUNK = 1000
"""Marks inserted or deleted per command."""


class OutboxStore(Protocol):
    """Pending events (by id, or by a sweep of everything) and marking them sent."""

    async def get(self, profile_id: str) -> ProfileRecord | None: ...
    async def pending(self, *, limit: int, after: str | None = None) -> list[ProfileRecord]: ...
    async def mark(self, published: Mapping[str, Sequence[OutboxEntry]]) -> None: ...
    async def marked(self) -> list[str]: ...
    async def trim(self, published: Mapping[str, Sequence[OutboxEntry]]) -> int: ...
    async def purge(self, published: Sequence[tuple[str, int]]) -> int: ...


class MongoOutboxStore:
    """`precise`: the store serves a filter on more than `_id` at point cost (real MongoDB), so
    a tombstone is removed by one conditional delete instead of a read and a delete by `_id`."""

    def __init__(self, database: AsyncDatabase[Document], *, precise: bool = False) -> None:
        self._profiles = database[COLLECTION]
        self._sent = database[SENT]
        self._fenced = Fenced(self._profiles, database[FENCES], field="version")
        self._precise = precise

    @idempotent
    async def get(self, profile_id: str) -> ProfileRecord | None:
        with store_errors():
            document = await self._profiles.find_one({"_id": profile_id})
        return from_document(document) if document is not None else None

    @idempotent
    async def pending(self, *, limit: int, after: str | None = None) -> list[ProfileRecord]:
        """The recovery sweep: up to `limit` records with pending events, in id order, with ids
        above `after`. It reads the whole collection on FerretDB, so it is for the rare sweep."""
        query = PENDING if after is None else PENDING | {"_id": {"$gt": after}}
        with store_errors():
            cursor = self._profiles.find(query).sort("_id", ASCENDING).limit(limit)
            return [from_document(document) async for document in cursor]

    @idempotent
    async def mark(self, published: Mapping[str, Sequence[OutboxEntry]]) -> None:
        """Record these entries published: one mark each, inserted in commands of `CHUNK`. A mark
        stored already (by an earlier try) is fine, so repeating it changes nothing."""
        marks = [
            {"_id": entry.event_id, "profile_id": profile_id}
            for profile_id, entries in published.items()
            for entry in entries
        ]
        for start in range(0, len(marks), CHUNK):
            try:
                with store_errors():
                    await self._sent.insert_many(marks[start : start + CHUNK], ordered=False)
            except BulkWriteError as exc:
                if not all(is_duplicate(error) for error in exc.details["writeErrors"]):
                    raise

    @idempotent
    async def marked(self) -> list[str]:
        """The event ids of every mark (read once at start-up: the marks of a crashed process)."""
        with store_errors():
            return [document["_id"] async for document in self._sent.find({}, {"_id": 1})]

    @idempotent
    async def trim(self, published: Mapping[str, Sequence[OutboxEntry]]) -> int:
        """Remove these marked entries from their profiles' outboxes, in round trips of
        `UPDATES_PER_COMMAND` point updates, then their marks; returns how many profiles matched.
        Repeating it changes nothing."""
        updates = [
            UpdateOne({"_id": profile_id}, {"$pullAll": {"outbox": _stored(entries)}})
            for profile_id, entries in published.items()
            if entries
        ]
        matched = await update_points(self._profiles, updates)
        marks = [DeleteOne({"_id": e.event_id}) for entries in published.values() for e in entries]
        for start in range(0, len(marks), CHUNK):
            with store_errors():
                await self._sent.bulk_write(marks[start : start + CHUNK], ordered=False)
        return matched

    async def purge(self, published: Sequence[tuple[str, int]]) -> int:
        """Remove tombstones whose deletion is published, unless the id was written again since.
        Returns how many were removed. (Deletions are rare: one by one is fine.)"""
        removed = 0
        for profile_id, version in published:
            removed += await self._purge_one(profile_id, version)
        return removed

    @idempotent
    async def _purge_one(self, profile_id: str, version: int) -> int:
        """A point read, then a delete by `_id`: conditional on the version as well where the
        store serves that at point cost (the caller holds the profile's lock, so no write of this
        process comes between). The profile's fences go first: they hold its personal data, and
        an id created again counts its versions from 1, which must not collide with them."""
        condition = {"_id": profile_id, "version": version, "deleted": True}
        document = await self._profiles.find_one({"_id": profile_id})
        if document is None or any(document.get(k) != v for k, v in condition.items()):
            return 0
        if not self._precise:
            condition = {"_id": profile_id}
        await self._fenced.forget(profile_id, up_to=version)
        result = await self._profiles.delete_one(condition)
        return result.deleted_count


def _stored(entries: Sequence[OutboxEntry]) -> list[Document]:
    """The entries exactly as `records.to_document` stores them, so `$pullAll` finds them."""
    return [entry.model_dump() for entry in entries]
