"""Versioned point writes guarded by a fence insert: optimistic concurrency at point cost.

A document whose `field` holds its version moves from `expected` to `new` once: the writer first
inserts the fence `<key>#<new>` into a collection of fences, then applies its update to the
document by `_id`. The `_id` of a fence is unique and an insert is atomic on MongoDB and on
FerretDB v1 alike, so a colliding insert means another writer has taken that version. This
replaces an update conditional on `{_id, field}`: FerretDB v1 answers any filter but a lone
`_id` by reading and decoding the whole collection (about 1 s at 20,000 documents), and does not
apply even that update atomically. On real MongoDB (`prepare` asks the server) the update stays
conditional on `field == expected` as well, so nothing there is weaker than before.

The fence carries the update. A writer that dies between its fence and its update leaves the
document behind the fence; the next writer that collides with it rolls it forward once the fence
is older than the lease, or at once when it is its own earlier try (the same update). That rare
path writes conditionally on both stores. An update that fails for good (a unique index) takes
its fence back, so the version stays free. Fences stay as the history of writes.
"""

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import bson
from pymongo import DeleteOne, UpdateOne
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import BulkWriteError, OperationFailure, WriteError

from shared.batching import GroupCommit
from shared.inserts import is_duplicate
from shared.mongo import (
    UPDATES_PER_COMMAND,
    Document,
    answers_filters_by_index,
    is_unique_violation,
    retried,
    store_errors,
)

LEASE = timedelta(seconds=30)
"""A fence older than this whose update is not in its document was left by a dead writer."""
BATCH_LIMIT = 500


@dataclass(frozen=True, kw_only=True)
class Write:
    """Move document `key` from version `expected` to `new` by applying `update` (a MongoDB
    update document, applied by `_id`; it should set `field` to `new`)."""

    key: str
    expected: int
    new: int
    update: Document

    @property
    def fence_id(self) -> str:
        return f"{self.key}#{self.new}"


Outcome = bool | WriteError
"""True: applied (by this call or an earlier try of it); False: another writer has taken
version `new`, or the document is gone; a `WriteError`: the update failed for good."""


class Fenced:
    """The versioned writes of one collection, with their fences in another."""

    def __init__(
        self,
        documents: AsyncCollection[Document],
        fences: AsyncCollection[Document],
        *,
        field: str,
        lease: timedelta = LEASE,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._documents, self._fences, self._field = documents, fences, field
        self._lease, self._clock = lease, clock
        self._conditional: bool | None = None  # learnt by `prepare`, at the latest on first use
        self._group: GroupCommit[Write, Outcome] = GroupCommit(self._send, limit=BATCH_LIMIT)

    async def prepare(self) -> None:
        """Learn whether the store also takes the conditional filter at point cost (done by
        the first write if not called before)."""
        self._conditional = await retried(lambda: answers_filters_by_index(self._documents))

    async def write(self, write: Write) -> bool:
        """Apply one write; a failed update is raised. Concurrent calls share round trips."""
        outcome = await self._group.call(write)
        if isinstance(outcome, WriteError):
            raise outcome
        return outcome

    async def write_many(self, writes: Sequence[Write]) -> list[Outcome]:
        """Apply writes to distinct keys: one insert of fences, then bulk updates."""
        return list(await self._send(list(writes)))

    async def forget(self, key: str, *, up_to: int) -> None:
        """Delete the fences of `key`'s versions 2 to `up_to` + 1 (one above: a writer that died
        on the way), in one command: fences carry their updates, so a record that is removed
        (and may hold personal data) takes its history with it, and an id created again counts
        its versions afresh. Repeatable, and not retried here: the caller's method is."""
        deletes = [DeleteOne({"_id": f"{key}#{version}"}) for version in range(2, up_to + 2)]
        if deletes:
            with store_errors():
                await self._fences.bulk_write(deletes, ordered=False)

    async def _send(self, writes: list[Write]) -> list[Outcome]:
        """Repeatable as a whole: a repeated fence collides with its own earlier try, which is
        then finished (`_collided`); so it is retried in place."""
        return await retried(lambda: self._attempt(writes))

    async def _attempt(self, writes: list[Write]) -> list[Outcome]:
        if self._conditional is None:
            self._conditional = await answers_filters_by_index(self._documents)
        won = await self._insert_fences(writes)
        outcomes: list[Outcome | None] = [None] * len(writes)
        applied = [
            outcome
            for start in range(0, len(won), UPDATES_PER_COMMAND)
            for outcome in await self._apply(
                [writes[i] for i in won[start : start + UPDATES_PER_COMMAND]]
            )
        ]
        for index, outcome in zip(won, applied, strict=True):
            outcomes[index] = outcome
        lost = sorted(set(range(len(writes))) - set(won))
        collided = await asyncio.gather(*(self._collided(writes[index]) for index in lost))
        for index, outcome in zip(lost, collided, strict=True):
            outcomes[index] = outcome
        return [outcome for outcome in outcomes if outcome is not None]

    async def _insert_fences(self, writes: list[Write]) -> list[int]:
        """The indexes of the writes whose fence this call stored."""
        now = self._clock()
        fences = [_fence(write, now) for write in writes]
        if not fences:
            return []
        try:
            with store_errors():
                await self._fences.insert_many(fences, ordered=False)
        except BulkWriteError as exc:
            errors = exc.details["writeErrors"]
            if exc.details.get("writeConcernErrors") or not all(map(is_duplicate, errors)):
                raise
            taken = {error["index"] for error in errors}
            return [index for index in range(len(writes)) if index not in taken]
        return list(range(len(writes)))

    async def _apply(self, writes: list[Write]) -> list[Outcome]:
        """The point updates of the fences won, in one bulk write (of at most
        `UPDATES_PER_COMMAND`: the local store hangs on larger update commands). Where fewer matched than
        were sent, each document is read to learn which (rare: a document that is gone)."""
        if not writes:
            return []
        requests = [UpdateOne(self._filter(write), write.update) for write in writes]
        failed: dict[int, Any] = {}
        try:
            with store_errors():
                result = await self._documents.bulk_write(requests, ordered=False)
            matched = result.matched_count
        except BulkWriteError as exc:  # MongoDB: the errors of single writes
            if exc.details.get("writeConcernErrors"):
                raise
            failed = {error["index"]: error for error in exc.details["writeErrors"]}
            matched = int(exc.details.get("nMatched", 0))
        except OperationFailure as exc:  # FerretDB v1 fails the whole batch for one write
            if not is_unique_violation(exc):
                raise
            return await self._one_by_one(writes)
        outcomes: list[Outcome] = [
            _error(error) if (error := failed.get(index)) is not None else True
            for index in range(len(writes))
        ]
        if matched < len(writes) - len(failed):
            outcomes = [
                await self._applied(write) if outcome is True else outcome
                for write, outcome in zip(writes, outcomes, strict=True)
            ]
        await self._take_back([w for w, o in zip(writes, outcomes, strict=True) if o is not True])
        return outcomes

    async def _one_by_one(self, writes: list[Write]) -> list[Outcome]:
        """After a batch that failed as a whole: each write on its own, conditionally on both
        stores (part of the batch may be applied already), to learn which one was refused."""
        outcomes = [
            await self._conditionally(write.key, write.expected, write.update) for write in writes
        ]
        await self._take_back([w for w, o in zip(writes, outcomes, strict=True) if o is not True])
        return outcomes

    async def _conditionally(self, key: str, expected: int, update: Document) -> Outcome:
        """One update from `expected` on; also true when the document is past it already."""
        try:
            with store_errors():
                result = await self._documents.update_one(
                    {"_id": key, self._field: expected}, update
                )
        except OperationFailure as exc:
            if not is_unique_violation(exc):
                raise
            return _error(exc.details or {"errmsg": str(exc), "code": exc.code})
        if result.matched_count == 1:
            return True
        current = await self._version(key)
        return current is not None and current > expected

    async def _applied(self, write: Write) -> bool:
        """Whether the document holds version `new` or later (it may have been rolled forward
        by another writer) after an update that matched nothing."""
        current = await self._version(write.key)
        return current is not None and current >= write.new

    async def _take_back(self, writes: list[Write]) -> None:
        """Free the versions of updates that were not applied (a unique index refused them,
        or the document is gone)."""
        for write in writes:
            with store_errors():
                await self._fences.delete_one({"_id": write.fence_id})

    async def _collided(self, write: Write) -> Outcome:
        """Another fence holds version `new`: another writer's, or an earlier try of this one."""
        with store_errors():
            fence = await self._fences.find_one({"_id": write.fence_id})
        if fence is None:
            return False  # taken back meanwhile: the caller reads again and retries
        own = fence["expected"] == write.expected and bytes(fence["update"]) == _encoded(write)
        current = await self._version(write.key)
        if current is None or current >= write.new:
            return own and current is not None
        if current != fence["expected"]:
            return False
        if not own and fence["at"] > self._clock() - self._lease:
            return False  # its writer is at work (or died within the lease): read again later
        rolled = await self._roll_forward(write.key, fence)
        if isinstance(rolled, WriteError):
            return rolled if own else False
        return own and rolled

    async def _roll_forward(self, key: str, fence: Document) -> Outcome:
        """Apply the fence's own update, conditionally on both stores (a rare path); a refused
        one frees its version."""
        update = bson.decode(bytes(fence["update"]))
        outcome = await self._conditionally(key, int(fence["expected"]), update)
        if isinstance(outcome, WriteError):
            with store_errors():
                await self._fences.delete_one({"_id": fence["_id"]})
        return outcome

    async def _version(self, key: str) -> int | None:
        with store_errors():
            document = await self._documents.find_one({"_id": key})
        return None if document is None else int(document[self._field])

    def _filter(self, write: Write) -> Document:
        if self._conditional:
            return {"_id": write.key, self._field: write.expected}
        return {"_id": write.key}


def _error(details: Any) -> WriteError:
    return WriteError(details.get("errmsg"), details.get("code"), details)


def _fence(write: Write, now: datetime) -> Document:
    return {
        "_id": write.fence_id,
        "key": write.key,
        "expected": write.expected,
        "update": bson.Binary(_encoded(write)),
        "at": now,
    }


def _encoded(write: Write) -> bytes:
    return bson.encode(write.update)
