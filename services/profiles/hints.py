"""Which profiles a process without a relay of its own wrote (the bulk import), and what it wrote,
so that the running service's relay publishes their events without reading the profiles.

A hint is one small document per batch of writes, `{_id, ids}`, and beside it (same `_id`, in
`relay_hint_records`) the records as that batch stored them. The relay lists the few hints that
wait (a small collection: reading all of it costs little), reads each one's records by `_id` (one
point read instead of one per profile: at 100,000 profiles those reads were nearly all of the
relay's store time), publishes, and removes both by `_id`. Where the records are missing, the
relay reads the named profiles by `_id` instead.

Publishing from the writer's copy keeps the relay's guarantees: a copy holds every entry of its
profile not yet marked sent, in version order, as stored; an entry published already (a newer
write of the profile went out first, with it) is known to the relay's `SentLog` and not sent
again; and marking pulls exactly the stored shapes of the entries sent. The records are stored
before the hint, so a hint never names records that are not there; a writer that dies before its
hint leaves their events to the relay's recovery sweep.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol
from uuid import uuid4

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from services.profiles.records import ProfileRecord, from_document, to_document
from shared.mongo import Document, idempotent, store_errors

COLLECTION = "relay_hints"
RECORDS = "relay_hint_records"


@dataclass(frozen=True)
class Hint:
    id: str
    profile_ids: list[str]


class HintStore(Protocol):
    async def add(
        self, profile_ids: Sequence[str], records: Sequence[ProfileRecord] = ()
    ) -> None: ...
    async def oldest(self, *, limit: int) -> list[Hint]: ...
    async def records(self, hint_id: str) -> list[ProfileRecord] | None: ...
    async def remove(self, hint_ids: Sequence[str]) -> None: ...


class MongoHints:
    def __init__(self, database: AsyncDatabase[Document]) -> None:
        self._hints = database[COLLECTION]
        self._records = database[RECORDS]

    async def add(self, profile_ids: Sequence[str], records: Sequence[ProfileRecord] = ()) -> None:
        """The records (if given), then the hint; each `_id` is chosen before the first try, so a
        retry after a lost answer finds its own earlier try (a duplicate) and is done."""
        if not profile_ids:
            return
        hint_id = uuid4().hex
        if records:
            stored = [to_document(record) for record in records]
            await _insert(self._records, {"_id": hint_id, "records": stored})
        await _insert(self._hints, {"_id": hint_id, "ids": list(profile_ids)})

    @idempotent
    async def oldest(self, *, limit: int) -> list[Hint]:
        with store_errors():
            found = await self._hints.find({}).limit(limit).to_list()
        return [Hint(document["_id"], list(document["ids"])) for document in found]

    @idempotent
    async def records(self, hint_id: str) -> list[ProfileRecord] | None:
        """The records stored with the hint; None if there are none (a hint without them)."""
        with store_errors():
            document = await self._records.find_one({"_id": hint_id})
        if document is None:
            return None
        return [from_document(stored) for stored in document["records"]]

    @idempotent
    async def remove(self, hint_ids: Sequence[str]) -> None:
        """Point deletes, the records first (a hint left without them is read the slow way,
        records left without a hint would never go); removed already is fine."""
        for hint_id in hint_ids:
            with store_errors():
                await self._records.delete_one({"_id": hint_id})
                await self._hints.delete_one({"_id": hint_id})


@idempotent
async def _insert(collection: AsyncCollection[Document], document: Document) -> None:
    try:
        with store_errors():
            await collection.insert_one(document)
    except DuplicateKeyError:
        return
