"""Lists of ids that only grow, kept as numbered chunks read and inserted by `_id`.

What the matcher asks by program (its people, pairings, slots) is a query by program otherwise,
and FerretDB v1 answers any filter but a lone `_id` by reading and decoding the whole collection
(seconds at 20,000 documents). A list read by `_id`, then its documents read by `_id`
(`mongo_reads.find_by_ids`), costs what the program holds.

Many processes add to one list (the people of a program arrive on every partition), and FerretDB
v1 can lose one of two concurrent updates of a document (`owned_lists`). So a list is only ever
inserted into: chunk `<name>#0`, `<name>#1`, ..., each holding the ids of one addition. A writer
inserts the next chunk it does not know to exist (a writer new to a list finds its end by a
few point reads, doubling then halving); a taken number (unique `_id`, which both stores
enforce) sends it to the next one. So chunks have no gaps, and a reader reads them
(several at a time) up to the first that is missing. The ids of the new callers of one moment
share one chunk (`shared.batching.GroupCommit`); ids this process knows listed are not added
again, so a list grows by the ids that are new to the process that adds them.

A reader gives up on a list longer than `READ_BY_ID_AT_MOST` (`read(..., at_most=...)`): point
reads cost FerretDB v1 about ten times what a scan costs per document (600-900 point reads a
second against 0.15 ms a document scanned), so a program that large is read by query, which
also reads it from an index on MongoDB.
"""

import asyncio
from collections.abc import Iterable

from pymongo.asynchronous.collection import AsyncCollection

from shared.batching import GroupCommit
from shared.inserts import insert_each
from shared.mongo import Document, store_errors

FIRST_WINDOW, WINDOW = 4, 16
"""Chunks read at once: first, then while there are more."""
CHUNK_IDS = 5000
"""Ids per chunk at most (a document stays far below the 16 MB limit)."""
READ_BY_ID_AT_MOST = 2000
"""The longest list worth reading document by document."""
Addition = tuple[str, tuple[str, ...]]


class IdLists:
    """The lists of one collection; use one instance per collection and event loop."""

    def __init__(self, collection: AsyncCollection[Document]) -> None:
        self._chunks = collection
        self._next: dict[str, int] = {}  # per list, a chunk number no later than its end
        self._known: dict[str, set[str]] = {}  # per list, ids known to be in it
        self._additions: GroupCommit[Addition, bool] = GroupCommit(self._add_all, limit=1000)

    async def add(self, name: str, ids: Iterable[str]) -> None:
        """Add these ids to the list; returns once they are stored."""
        new = tuple(sorted(set(ids) - self._known.get(name, set())))
        if new:
            await self._additions.call((name, new))

    async def read(self, name: str, *, at_most: int | None = None) -> list[str] | None:
        """Every id in the list, sorted; None once it holds more than `at_most`."""
        ids: set[str] = set()
        start = 0
        while True:
            size = FIRST_WINDOW if start == 0 else WINDOW  # most lists are short
            window = [f"{name}#{n}" for n in range(start, start + size)]
            with store_errors():
                found = await asyncio.gather(*(self._chunks.find_one({"_id": i}) for i in window))
            for doc in found:
                if doc is None:
                    break
                ids.update(doc["ids"])
                start += 1
            if found[-1] is None:
                break
            if at_most is not None and len(ids) > at_most:
                return None
        if at_most is not None and len(ids) > at_most:
            return None
        self._next[name] = max(self._next.get(name, 0), start)
        self._known.setdefault(name, set()).update(ids)
        return sorted(ids)

    async def marked(self, marker: str) -> bool:
        return await self._exists(marker)

    async def mark(self, marker: str) -> None:
        await insert_each(self._chunks, [{"_id": marker}])

    async def _end(self, name: str) -> int:
        """The number of the first missing chunk: doubling, then halving (chunks have no gaps),
        so a few point reads however long the list is."""
        low, high = 0, 1  # chunks before `low` exist; is `high - 1` there?
        while await self._exists(f"{name}#{high - 1}"):
            low, high = high, 2 * high
        while low < high:  # the first missing one is in [low, high - 1]
            middle = (low + high) // 2
            if await self._exists(f"{name}#{middle}"):
                low = middle + 1
            else:
                high = middle
        return low

    async def _exists(self, chunk: str) -> bool:
        with store_errors():
            return await self._chunks.find_one({"_id": chunk}) is not None

    async def _add_all(self, additions: list[Addition]) -> list[bool | Exception]:
        merged: dict[str, set[str]] = {}
        for name, ids in additions:
            merged.setdefault(name, set()).update(ids)
        await asyncio.gather(*(self._append(name, sorted(ids)) for name, ids in merged.items()))
        return [True] * len(additions)

    async def _append(self, name: str, ids: list[str]) -> None:
        n = self._next.get(name)
        if n is None:
            n = await self._end(name)  # found once, not by failed inserts
        for start in range(0, len(ids), CHUNK_IDS):
            chunk = ids[start : start + CHUNK_IDS]
            while True:
                (outcome,) = await insert_each(self._chunks, [{"_id": f"{name}#{n}", "ids": chunk}])
                if isinstance(outcome, Exception):
                    raise outcome
                n += 1
                if outcome:
                    break
            self._next[name] = n
        self._known.setdefault(name, set()).update(ids)
