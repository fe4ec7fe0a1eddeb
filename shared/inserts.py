"""Point inserts from concurrent callers into one collection, sent together (group commit).

The handlers of one poll write the same kind of document at about the same time: a claim, an
outcome, a marker. `Inserts` sends them as one `insert_many(ordered=False)` per round trip
(`shared.batching`); a duplicate `_id` is an answer, not an error.
"""

from typing import Any

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import BulkWriteError, WriteError

from shared.batching import GroupCommit
from shared.mongo import DUPLICATE_KEY, Document, store_errors

BATCH_LIMIT = 1000
"""At most this many documents per `insert_many`."""


class Inserts:
    """The inserts into one collection; use one instance per collection and event loop."""

    def __init__(self, collection: AsyncCollection[Document], *, limit: int = BATCH_LIMIT) -> None:
        self._collection = collection
        self._group: GroupCommit[Document, bool] = GroupCommit(self._insert_many, limit=limit)

    async def insert(self, document: Document) -> bool:
        """True when this call stored `document`; False when its `_id` is stored already (by
        another writer, by another caller in the same batch, or by an earlier try of this
        call whose answer was lost: a caller that must know which compares the stored one).
        A write error of this document is raised here only; a failure of the whole batch
        (translated by `store_errors`) reaches every caller in it. Not retried here: the
        caller's method is (`shared.mongo.idempotent`), so retries never nest."""
        return await self._group.call(document)

    async def _insert_many(self, documents: list[Document]) -> list[bool | Exception]:
        return await insert_each(self._collection, documents)


async def insert_each(
    collection: AsyncCollection[Document], documents: list[Document]
) -> list[bool | Exception]:
    """Per document: stored, a duplicate (False), or its write error, from one unordered
    `insert_many` (PyMongo splits what exceeds a message); a failure of the whole batch is
    raised (translated by `store_errors`), and then any of the documents may be stored."""
    if not documents:
        return []
    try:
        with store_errors():
            await collection.insert_many(documents, ordered=False)
    except BulkWriteError as exc:
        if exc.details.get("writeConcernErrors"):
            raise
        failed = {error["index"]: error for error in exc.details["writeErrors"]}
        return [_outcome(failed.get(index)) for index in range(len(documents))]
    return [True] * len(documents)


def _outcome(error: Any) -> bool | Exception:
    if error is None:
        return True
    if is_duplicate(error):
        return False
    return WriteError(error.get("errmsg"), error.get("code"), error)


def is_duplicate(error: Any) -> bool:
    """A bulk write error for a taken unique key. MongoDB reports code 11000; FerretDB v1
    reports a failed SQLite UNIQUE constraint."""
    return error.get("code") == DUPLICATE_KEY or "UNIQUE constraint" in str(error.get("errmsg"))
