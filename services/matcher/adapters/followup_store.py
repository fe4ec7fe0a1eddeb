"""Follow-up occasions in MongoDB (`followups`), each with its event, and each program's next due
follow-up (`followups_due`).

An occasion is one insert under its unique `_id`, holding its event's encoded bytes and headers
and `unsent: True` until the relay has published it (then unset by `_id`): recorded and queued in
one atomic single-document write, so a redelivered step, a restart or a second replica never
emits it twice. Reads are by `_id` (point reads); only a program's take-over asks for its unsent
occasions by program, which scans. `followups_due` holds one small document per program with
follow-ups to come (`at`); the sweeper reads that whole collection each sweep (one document per
program, not per pairing).
"""

from collections.abc import Collection
from datetime import datetime

from pymongo import UpdateOne
from pymongo.asynchronous.database import AsyncDatabase

from services.matcher.adapters.mongo_reads import find_by_ids
from services.matcher.usecases.followup_ports import Recorded
from shared.envelope import Envelope
from shared.inserts import Inserts
from shared.kafka import encode
from shared.mongo import Document, idempotent, store_errors, update_points


class MongoFollowups:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._followups, self._due = db["followups"], db["followups_due"]
        self._new = Inserts(self._followups)

    async def ensure_indexes(self) -> None:
        return None  # point operations only; the take-over scan is rare

    async def record(
        self, occasion_id: str, *, pairing_id: str, program_id: str, event: Envelope | None
    ) -> bool:
        doc: Document = {"_id": occasion_id, "pairing_id": pairing_id, "program_id": program_id}
        if event is not None:
            entry = {"payload": encode(event), "headers": event.headers(), "unsent": True}
            doc |= entry | {"at": event.occurred_at}
        return await self._new.insert(doc)

    @idempotent
    async def recorded(self, ids: Collection[str]) -> set[str]:
        with store_errors():
            return {doc["_id"] for doc in await find_by_ids(self._followups, ids)}

    @idempotent
    async def unpublished(self, program_id: str, ids: Collection[str] | None) -> list[Recorded]:
        with store_errors():
            if ids is None:
                query = {"program_id": program_id, "unsent": True}
                docs = [doc async for doc in self._followups.find(query)]
            else:
                docs = await find_by_ids(self._followups, ids, keep=lambda d: bool(d.get("unsent")))
        docs.sort(key=lambda doc: (doc["at"], doc["_id"]))
        return [
            Recorded(doc["_id"], doc["pairing_id"], bytes(doc["payload"]), dict(doc["headers"]))
            for doc in docs
        ]

    @idempotent
    async def mark_published(self, ids: Collection[str]) -> None:
        writes = [UpdateOne({"_id": i}, {"$unset": {"unsent": ""}}) for i in sorted(ids)]
        await update_points(self._followups, writes)

    @idempotent
    async def set_due(self, program_id: str, at: datetime | None) -> None:
        with store_errors():
            if at is None:
                await self._due.delete_one({"_id": program_id})
            else:
                await self._due.update_one({"_id": program_id}, {"$set": {"at": at}}, upsert=True)

    @idempotent
    async def due_programs(self, *, now: datetime) -> set[str]:
        with store_errors():
            return {str(doc["_id"]) async for doc in self._due.find({"at": {"$lte": now}})}
