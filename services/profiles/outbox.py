"""The relay's side of the profile documents: finding pending events and marking them sent.

Same collection as `store.py`, a separate port: the relay never changes a profile, only removes
outbox entries it has published (and tombstones whose deletion it has published).

Its reads are retried in place after a transient store error (`shared.mongo.idempotent`): a
repeated read changes nothing.
"""

from collections import defaultdict
from collections.abc import Sequence
from typing import Protocol

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase

from services.profiles.records import OutboxEntry, ProfileRecord, from_document
from services.profiles.store import COLLECTION
from shared.mongo import Document, idempotent, store_errors

PENDING = {"outbox.0": {"$exists": True}}


class OutboxStore(Protocol):
    """Pending events, and the three ways of marking them sent: by stamp (a whole batch of
    this process's writes), by id and version, or one profile's remaining entries."""

    async def get(self, profile_id: str) -> ProfileRecord | None: ...
    async def pending(self, *, limit: int, after: str | None = None) -> list[ProfileRecord]: ...
    async def clear_stamped(self, stamp: str) -> int: ...
    async def purge_stamped(self, stamp: str) -> int: ...
    async def clear_outboxes(self, published: Sequence[tuple[str, int]]) -> int: ...
    async def set_outbox(
        self, profile_id: str, version: int, outbox: list[OutboxEntry]
    ) -> bool: ...
    async def purge(self, published: Sequence[tuple[str, int]]) -> int: ...


class MongoOutboxStore:
    def __init__(self, database: AsyncDatabase[Document]) -> None:
        self._profiles = database[COLLECTION]

    @idempotent
    async def get(self, profile_id: str) -> ProfileRecord | None:
        with store_errors():
            document = await self._profiles.find_one({"_id": profile_id})
        return from_document(document) if document is not None else None

    @idempotent
    async def pending(self, *, limit: int, after: str | None = None) -> list[ProfileRecord]:
        """Up to `limit` records with pending events, in id order, with ids above `after`."""
        query = PENDING if after is None else PENDING | {"_id": {"$gt": after}}
        with store_errors():
            cursor = self._profiles.find(query).sort("_id", ASCENDING).limit(limit)
            return [from_document(document) async for document in cursor]

    async def clear_stamped(self, stamp: str) -> int:
        """Empty the outboxes of live profiles whose last write carries `stamp`: one cheap
        equality per document, however many profiles the batch holds."""
        with store_errors():
            result = await self._profiles.update_many(
                {"outbox_stamp": stamp, "deleted": False}, {"$set": {"outbox": []}}
            )
        return result.matched_count

    async def purge_stamped(self, stamp: str) -> int:
        """Remove the tombstones whose last write carries `stamp`."""
        with store_errors():
            result = await self._profiles.delete_many({"outbox_stamp": stamp, "deleted": True})
        return result.deleted_count

    async def clear_outboxes(self, published: Sequence[tuple[str, int]]) -> int:
        """Empty the outboxes of profiles still at the version whose events were all published.
        One statement per distinct version, not per profile: FerretDB scans the whole collection
        for every conditional update. Returns how many matched."""
        matched = 0
        for condition in _at_versions(published):
            with store_errors():
                result = await self._profiles.update_many(condition, {"$set": {"outbox": []}})
            matched += result.matched_count
        return matched

    async def set_outbox(self, profile_id: str, version: int, outbox: list[OutboxEntry]) -> bool:
        with store_errors():
            result = await self._profiles.update_one(
                {"_id": profile_id, "version": version},
                {"$set": {"outbox": [entry.model_dump() for entry in outbox]}},
            )
        return result.matched_count == 1

    async def purge(self, published: Sequence[tuple[str, int]]) -> int:
        """Remove tombstones whose deletion is published, unless the id was written again since.
        Returns how many were removed."""
        deleted = 0
        for condition in _at_versions(published):
            with store_errors():
                result = await self._profiles.delete_many(condition | {"deleted": True})
            deleted += result.deleted_count
        return deleted


def _at_versions(published: Sequence[tuple[str, int]]) -> list[Document]:
    """Filters matching each (id, version) pair: one per version, with the ids in `$in` (which
    FerretDB evaluates far faster than an `$or` of pairs)."""
    ids: dict[int, list[str]] = defaultdict(list)
    for profile_id, version in published:
        ids[version].append(profile_id)
    return [{"_id": {"$in": group}, "version": version} for version, group in ids.items()]
