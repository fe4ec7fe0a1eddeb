"""Which profiles a process without a relay of its own wrote (the bulk import), and what it wrote,
so that the running service's relay publishes their events without reading the profiles.

A hint is one small document per batch of writes, `{_id, ids}`, and beside it (same `_id`, in
`relay_hint_records`) the records as that batch stored them, packed into one value (`pack`). The relay lists the few hints that
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

import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol
from uuid import uuid4

import bson
from bson.codec_options import CodecOptions
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from services.profiles.records import ProfileRecord, from_document, to_document
from shared.mongo import Document, idempotent, store_errors

COLLECTION = "relay_hints"
RECORDS = "relay_hint_records"
PACKED: CodecOptions[Document] = CodecOptions(tz_aware=True)


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
            await _insert(self._records, {"_id": hint_id, "packed": pack(records)})
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
        stored = unpack(document["packed"]) if "packed" in document else document["records"]
        return [from_document(one) for one in stored]

    @idempotent
    async def remove(self, hint_ids: Sequence[str]) -> None:
        """Point deletes, the records first (a hint left without them is read the slow way,
        records left without a hint would never go); removed already is fine."""
        for hint_id in hint_ids:
            with store_errors():
                await self._records.delete_one({"_id": hint_id})
                await self._hints.delete_one({"_id": hint_id})


def pack(records: Sequence[ProfileRecord]) -> bytes:
    """The records as stored, in one compressed BSON value: FerretDB v1 decodes and re-encodes
    every field of a document it reads, writes or deletes, which for a chunk's 500 nested
    records took 300-500 ms a call; one opaque value of a sixth of the size costs nearly
    nothing. (Hints written as a plain `records` list by earlier versions are still read.)"""
    stored = {"records": [to_document(record) for record in records]}
    return zlib.compress(bson.encode(stored), 1)


def unpack(packed: bytes) -> list[Document]:
    records: list[Document] = bson.decode(zlib.decompress(packed), PACKED)["records"]
    return records


@idempotent
async def _insert(collection: AsyncCollection[Document], document: Document) -> None:
    try:
        with store_errors():
            await collection.insert_one(document)
    except DuplicateKeyError:
        return
