"""Retries and batched inserts on the real store (the local FerretDB, or MongoDB).

SQLITE_BUSY could not be provoked reliably here: FerretDB v1 waits up to 10 s for SQLite's write
lock (`busy_timeout`), and point writes hold it for about a millisecond now that `_id` lookups use
an index. So the concurrency test is a behaviour test: many writers on one database, each through
its own client, all succeed and every write is stored; were the store to answer "database is
locked", the retry in place would absorb it instead of failing a writer. Each writer updates
documents of its own, as in the services (one writer per key): FerretDB v1 applies an update as a
read, a change in Go and a write of the whole document, not atomically, so two concurrent updates
of one document can lose one of them (measured here: 20 clients x 50 `$inc` of one document left
253 of 1,000, and a guard on `{_id, version}` let 87 writers "win" for 47 increments)."""

import asyncio
from collections.abc import AsyncIterator

import pytest
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from shared.inserts import Inserts
from shared.mongo import Document, mongo_client, retried
from tests.helpers import Commands

pytestmark = pytest.mark.integration

WRITERS, UPDATES, DOCS_EACH = 20, 50, 10


@pytest.fixture
async def counted(
    mongo_uri: str, mongo_db: str
) -> AsyncIterator[tuple[AsyncDatabase[Document], Commands]]:
    commands = Commands()
    client: AsyncMongoClient[Document] = AsyncMongoClient(mongo_uri, event_listeners=[commands])
    try:
        yield client[mongo_db], commands
    finally:
        await client.close()


async def test_many_concurrent_writers_on_one_database_all_succeed(
    mongo_uri: str, mongo_db: str, mongo: AsyncDatabase[Document]
) -> None:
    ids = [f"w{number}-d{doc}" for number in range(WRITERS) for doc in range(DOCS_EACH)]
    await mongo.docs.insert_many([{"_id": doc_id, "n": -1} for doc_id in ids])

    async def writer(number: int) -> None:
        client = mongo_client(mongo_uri)
        docs = client[mongo_db].docs
        try:
            for update in range(UPDATES):
                doc_id, change = f"w{number}-d{update % DOCS_EACH}", {"$set": {"n": update}}
                await retried(lambda: docs.update_one({"_id": doc_id}, change))  # noqa: B023
        finally:
            await client.close()

    await asyncio.gather(*(writer(number) for number in range(WRITERS)))

    stored = {doc["_id"]: doc["n"] async for doc in mongo.docs.find({})}
    last = UPDATES - DOCS_EACH  # the last update of each document
    assert stored == {f"w{n}-d{d}": last + d for n in range(WRITERS) for d in range(DOCS_EACH)}


async def test_concurrent_inserts_share_round_trips_and_duplicates_are_answered(
    counted: tuple[AsyncDatabase[Document], Commands],
) -> None:
    db, commands = counted
    await db.markers.insert_one({"_id": "m0"})
    markers = Inserts(db.markers)
    commands.sent.clear()

    answers = await asyncio.gather(*(markers.insert({"_id": f"m{i % 50}"}) for i in range(100)))

    assert answers == [0 < i < 50 for i in range(100)]  # m0 was stored; the rest are repeats
    assert sorted([doc["_id"] async for doc in db.markers.find({})]) == sorted(
        f"m{i}" for i in range(50)
    )
    assert commands.sent[("insert", "markers")] < 100 / 10
