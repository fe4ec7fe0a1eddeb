"""Point inserts from concurrent callers into one collection, sent together (group commit).

A batched consumer (`shared.consumer`) handles many keys of a poll at once, and their handlers
write the same kind of document at about the same time: a claim, an outcome, a marker. One insert
is one round trip (about 1 ms on FerretDB at any collection size); `insert_many` of 50 costs
about 2 ms. So `Inserts` keeps at most one `insert_many(ordered=False)` in flight per collection
and sends whatever arrived meanwhile as the next one: an idle store gets each insert at once,
a busy one gets batches as large as the load. Each caller still waits for its own document, so
nothing it does next (a send, a publish, the consumer's commit) runs before that is stored.
"""

import asyncio
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import BulkWriteError, WriteError

from shared.mongo import DUPLICATE_KEY, Document, store_errors

BATCH_LIMIT = 1000
"""At most this many documents per `insert_many`."""
_Waiting = tuple[Document, "asyncio.Future[bool]"]


class Inserts:
    """The inserts into one collection; use one instance per collection and event loop."""

    def __init__(self, collection: AsyncCollection[Document], *, limit: int = BATCH_LIMIT) -> None:
        self._collection, self._limit = collection, limit
        self._waiting: list[_Waiting] = []
        self._sender: asyncio.Task[None] | None = None

    async def insert(self, document: Document) -> bool:
        """True when this call stored `document`; False when its `_id` is stored already (by
        another writer, by another caller in the same batch, or by an earlier try of this
        call whose answer was lost: a caller that must know which compares the stored one).
        A write error of this document is raised here only; a failure of the whole batch
        (translated by `store_errors`) reaches every caller in it. Not retried here: the
        caller's method is (`shared.mongo.idempotent`), so retries never nest."""
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._waiting.append((document, future))
        if self._sender is None:
            self._sender = asyncio.create_task(self._send_all())
        return await future

    async def _send_all(self) -> None:
        try:
            while self._waiting:
                batch = self._waiting[: self._limit]
                self._waiting = self._waiting[self._limit :]
                await self._send(batch)
        finally:
            self._sender = None

    async def _send(self, batch: list[_Waiting]) -> None:
        try:
            failed = await self._insert_many([doc for doc, _ in batch])
        except Exception as exc:
            for _, future in batch:
                _settle(future, exc)
            return
        except BaseException:  # cancelled: nobody will send what waits
            for _, future in batch + self._waiting:
                future.cancel()
            self._waiting = []
            raise
        for index, (_, future) in enumerate(batch):
            error = failed.get(index)
            if error is None or _duplicate(error):
                _settle(future, error is None)
            else:
                _settle(future, WriteError(error.get("errmsg"), error.get("code"), error))

    async def _insert_many(self, documents: list[Document]) -> dict[int, Any]:
        """The write errors by index of document; an error of the whole batch is raised."""
        try:
            with store_errors():
                await self._collection.insert_many(documents, ordered=False)
        except BulkWriteError as exc:
            if exc.details.get("writeConcernErrors"):
                raise
            return {error["index"]: error for error in exc.details["writeErrors"]}
        return {}


def _duplicate(error: Any) -> bool:
    """MongoDB reports code 11000; FerretDB v1 reports a failed SQLite UNIQUE constraint."""
    return error.get("code") == DUPLICATE_KEY or "UNIQUE constraint" in str(error.get("errmsg"))


def _settle(future: "asyncio.Future[bool]", outcome: bool | Exception) -> None:
    """A caller that was cancelled meanwhile no longer waits for its answer."""
    if future.done():
        return
    if isinstance(outcome, bool):
        future.set_result(outcome)
    else:
        future.set_exception(outcome)
