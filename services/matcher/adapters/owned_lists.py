"""Lists of ids kept in one document each (`_id` = the list's name), changed by point updates,
for lists that only a program's owner writes (`pairing_lists`' unsent pairings).

FerretDB v1 applies two concurrent updates of one document as read-modify-write without a
lock: one of them can be lost (200 concurrent `$addToSet`s of distinct ids from four clients
kept 51 to 75 of them). So these lists are written by one process at a time (the program's
owner, whose step runs alone) and are hints that a full read repairs; lists written by many
processes are `id_lists`, which only inserts. Within the process the writes of one instance
take turns (a lock): the relay records a step's events sent while the next step adds to the
same list. On MongoDB both are atomic.

Additions from concurrent callers go out together (`shared.batching.GroupCommit`): one point
update per list per round trip (`$addToSet` with `$each`, an upsert), in commands of at most 32
(`shared.mongo.update_points`). Adding twice changes nothing, so a retried addition is safe.
"""

import asyncio
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from pymongo import UpdateOne
from pymongo.asynchronous.collection import AsyncCollection

from shared.batching import GroupCommit
from shared.mongo import Document, store_errors, update_points

Addition = tuple[str, tuple[str, ...], datetime | None]
"""A list's name, the ids to add, and a time to keep the earliest of (`earliest`), if any."""


class OwnedLists:
    """The lists of one collection; use one instance per collection, kind and event loop."""

    def __init__(self, collection: AsyncCollection[Document]) -> None:
        self._lists = collection
        self._additions: GroupCommit[Addition, bool] = GroupCommit(self._add_all, limit=1000)
        self._turn = asyncio.Lock()  # one write at a time: FerretDB v1 may lose concurrent ones

    async def add(self, name: str, ids: Iterable[str], *, earliest: datetime | None = None) -> None:
        """Add these ids to the list (created when missing); with `earliest`, the list also
        keeps the earliest time it was given (`$min`)."""
        found = tuple(sorted(set(ids)))
        if found:
            await self._additions.call((name, found, earliest))

    async def read(self, name: str) -> Document | None:
        """The list's document (`ids`, and `earliest` if kept), or None: a point read."""
        with store_errors():
            return await self._lists.find_one({"_id": name})

    async def pull(self, name: str, ids: Iterable[str]) -> None:
        """Remove these ids from the list: one point update; repeating it changes nothing."""
        if found := sorted(set(ids)):
            async with self._turn:
                with store_errors():
                    await self._lists.update_one({"_id": name}, {"$pullAll": {"ids": found}})

    async def replace(self, name: str, ids: Iterable[str], *, earliest: datetime | None) -> None:
        """Set the list to exactly these ids and this earliest time (None: none)."""
        update: dict[str, Any] = {"$set": {"ids": sorted(set(ids))}}
        if earliest is None:
            update["$unset"] = {"earliest": ""}
        else:
            update["$set"]["earliest"] = earliest
        async with self._turn:
            with store_errors():
                await self._lists.update_one({"_id": name}, update, upsert=True)

    async def _add_all(self, additions: list[Addition]) -> list[bool | Exception]:
        merged: dict[str, tuple[set[str], datetime | None]] = {}
        for name, ids, earliest in additions:
            known, before = merged.setdefault(name, (set(), None))
            known.update(ids)
            if earliest is not None and (before is None or earliest < before):
                merged[name] = (known, earliest)
        async with self._turn:
            await update_points(self._lists, [_addition(n, *merged[n]) for n in sorted(merged)])
        return [True] * len(additions)


def _addition(name: str, ids: set[str], earliest: datetime | None) -> UpdateOne:
    update: dict[str, Any] = {"$addToSet": {"ids": {"$each": sorted(ids)}}}
    if earliest is not None:
        update["$min"] = {"earliest": earliest}
    return UpdateOne({"_id": name}, update, upsert=True)
