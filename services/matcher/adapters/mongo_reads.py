"""Reading documents by id in a way that stays fast on FerretDB v1 as well as on MongoDB.

FerretDB v1 answers a filter of exactly one `_id` equality from its index (about 1 ms at any
collection size on the local stack), and reads the whole collection for anything else, `$in` or
an extra condition included (about 1 s at 20,000 documents). So ids are read one by one, several
at a time, however many there are: even 20,000 point reads cost less than one such scan would
at that size, and the cost follows the ids asked for, not the collection.
"""

import asyncio
from collections.abc import Callable, Collection
from typing import TypeVar

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.cursor import AsyncCursor

from shared.mongo import Document

CONCURRENT_READS = 16
READ_AHEAD = 1000
"""Documents per batch of `read_ahead`."""
T = TypeVar("T")


def _everything(_: Document) -> bool:
    return True


async def find_by_ids(
    collection: AsyncCollection[Document],
    ids: Collection[str],
    *,
    keep: Callable[[Document], bool] = _everything,
) -> list[Document]:
    """The documents with these ids for which `keep` holds, in id order. Other conditions are
    checked here, not in the query, and no projection is asked for: with either, FerretDB v1
    scans."""
    limit = asyncio.Semaphore(CONCURRENT_READS)

    async def read(doc_id: str) -> Document | None:
        async with limit:
            return await collection.find_one({"_id": doc_id})

    docs = await asyncio.gather(*(read(doc_id) for doc_id in sorted(ids)))
    return [doc for doc in docs if doc is not None and keep(doc)]


async def read_ahead(cursor: AsyncCursor[Document], decode: Callable[[Document], T]) -> list[T]:
    """Every document of the cursor, decoded; the store reads the next batch while this
    process decodes the last one (a whole-program read is about as much of one as the other)."""
    found: list[T] = []
    pending = asyncio.ensure_future(cursor.to_list(READ_AHEAD))
    try:
        while batch := await pending:
            pending = asyncio.ensure_future(cursor.to_list(READ_AHEAD))
            found += [decode(doc) for doc in batch]
    finally:
        pending.cancel()  # a decoding error left it reading: nothing may read on behind us
        await asyncio.gather(pending, return_exceptions=True)
        await cursor.close()
    return found
