"""Which profiles a process without a relay of its own wrote (the bulk import), so that the running
service's relay publishes their events by point reads instead of a sweep of the whole collection.

A hint is one small document per batch of writes: `{_id, ids}`. The relay reads the few that
wait (a small collection: reading all of it costs little), reads each profile by `_id`,
publishes, and removes the hint by `_id`. A writer that dies between its writes and its hint
leaves their events to the relay's recovery sweep.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol
from uuid import uuid4

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from shared.mongo import Document, idempotent, store_errors

COLLECTION = "relay_hints"


@dataclass(frozen=True)
class Hint:
    id: str
    profile_ids: list[str]


class HintStore(Protocol):
    async def add(self, profile_ids: Sequence[str]) -> None: ...
    async def oldest(self, *, limit: int) -> list[Hint]: ...
    async def remove(self, hint_ids: Sequence[str]) -> None: ...


class MongoHints:
    def __init__(self, database: AsyncDatabase[Document]) -> None:
        self._hints = database[COLLECTION]

    async def add(self, profile_ids: Sequence[str]) -> None:
        """One insert; its `_id` is chosen before the first try, so a retry after a lost answer
        finds its own earlier try (a duplicate) and is done."""
        if profile_ids:
            await self._insert({"_id": uuid4().hex, "ids": list(profile_ids)})

    @idempotent
    async def _insert(self, hint: Document) -> None:
        try:
            with store_errors():
                await self._hints.insert_one(hint)
        except DuplicateKeyError:
            return

    @idempotent
    async def oldest(self, *, limit: int) -> list[Hint]:
        with store_errors():
            found = await self._hints.find({}).limit(limit).to_list()
        return [Hint(document["_id"], list(document["ids"])) for document in found]

    @idempotent
    async def remove(self, hint_ids: Sequence[str]) -> None:
        """Point deletes; a hint removed already is fine."""
        for hint_id in hint_ids:
            with store_errors():
                await self._hints.delete_one({"_id": hint_id})
