"""Fenced versioned writes on the real store (the local FerretDB, or MongoDB): one winner per
version even with many concurrent writers (FerretDB v1 does not apply a conditional update
atomically, so this is what the fence is for), a dead writer's change rolled forward, a retry
of the same write recognised, a refused update that frees its version, and batches that share
round trips."""

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import OperationFailure

from shared.fence import LEASE, Fenced, Write
from shared.mongo import Document, mongo_client
from tests.helpers import Commands

pytestmark = pytest.mark.integration

WRITERS, TARGET = 10, 60


def bump(version: int, **more: object) -> Write:
    """A write that moves doc "d" from `version` on and counts itself in `n`."""
    update = {"$set": {"version": version + 1, **more}, "$inc": {"n": 1}}
    return Write(key="d", expected=version, new=version + 1, update=update)


async def fenced(db: AsyncDatabase[Document], **kwargs: object) -> Fenced:
    fences = Fenced(db.docs, db.fences, field="version", **kwargs)  # type: ignore[arg-type]
    await fences.prepare()
    return fences


@pytest.fixture
async def db(mongo: AsyncDatabase[Document]) -> AsyncDatabase[Document]:
    await mongo.docs.insert_one({"_id": "d", "version": 1, "n": 0})
    return mongo


async def stored(db: AsyncDatabase[Document]) -> Document:
    doc = await db.docs.find_one({"_id": "d"})
    assert doc is not None
    return doc


async def test_a_version_is_written_once_and_a_stale_writer_loses(
    db: AsyncDatabase[Document],
) -> None:
    fences = await fenced(db)

    assert await fences.write(bump(1, by="first")) is True
    assert await fences.write(bump(1, by="second")) is False  # it read version 1: stale

    assert await stored(db) == {"_id": "d", "version": 2, "n": 1, "by": "first"}


async def test_concurrent_writers_each_win_a_version_once(
    mongo_uri: str, mongo_db: str, db: AsyncDatabase[Document]
) -> None:
    wins: list[int] = []

    async def writer(name: int) -> None:
        client = mongo_client(mongo_uri)
        try:
            fences = await fenced(client[mongo_db])
            while len(wins) < TARGET:
                version = int((await stored(client[mongo_db]))["version"])
                if await fences.write(bump(version, by=name)):  # each its own change
                    wins.append(version)
        finally:
            await client.close()

    await asyncio.gather(*(writer(name) for name in range(WRITERS)))

    doc = await stored(db)
    assert sorted(wins) == list(range(1, len(wins) + 1))  # every version won exactly once
    assert doc["n"] == len(wins) and doc["version"] == len(wins) + 1


async def test_a_dead_writers_change_is_rolled_forward_after_the_lease(
    db: AsyncDatabase[Document],
) -> None:
    dead = await fenced(db)

    class Killed(Exception):
        """The writer dies between its fence and its update."""

    async def crash(writes: object) -> object:
        raise Killed

    dead._apply = crash  # type: ignore[method-assign,assignment]
    with pytest.raises(Killed):
        await dead.write(bump(1, by="dead"))
    assert (await stored(db))["version"] == 1

    within = await fenced(db)
    assert await within.write(bump(1, by="other")) is False  # the dead writer may be alive
    assert (await stored(db))["version"] == 1

    later = await fenced(db, clock=lambda: datetime.now(UTC) + LEASE + timedelta(seconds=1))
    assert await later.write(bump(1, by="other")) is False  # rolls the dead one's forward
    assert await stored(db) == {"_id": "d", "version": 2, "n": 1, "by": "dead"}
    assert await later.write(bump(2, by="other")) is True


async def test_a_retry_of_the_same_write_is_recognised_and_applied_once(
    db: AsyncDatabase[Document],
) -> None:
    fences = await fenced(db)
    write = bump(1, by="me")

    assert await fences.write(write) is True
    assert await fences.write(write) is True

    assert await stored(db) == {"_id": "d", "version": 2, "n": 1, "by": "me"}


async def test_a_refused_update_is_raised_and_frees_its_version(
    db: AsyncDatabase[Document],
) -> None:
    await db.docs.create_index("email", unique=True, sparse=True)
    await db.docs.insert_one({"_id": "other", "version": 1, "email": "taken@example.org"})
    fences = await fenced(db)

    with pytest.raises(OperationFailure):
        await fences.write(bump(1, email="taken@example.org"))

    assert (await stored(db))["version"] == 1
    assert await fences.write(bump(1, email="free@example.org")) is True
    assert (await stored(db))["email"] == "free@example.org"


@pytest.fixture
async def counted(
    mongo_uri: str, mongo_db: str
) -> AsyncIterator[tuple[AsyncDatabase[Document], Commands]]:
    commands = Commands()
    client: AsyncMongoClient[Document] = AsyncMongoClient(
        mongo_uri, event_listeners=[commands], tz_aware=True
    )
    try:
        yield client[mongo_db], commands
    finally:
        await client.close()


async def test_a_batch_is_one_insert_and_few_updates_and_answers_each_write(
    counted: tuple[AsyncDatabase[Document], Commands],
) -> None:
    db, commands = counted
    await db.docs.insert_many([{"_id": f"k{i}", "version": 3, "n": 0} for i in range(50)])
    fences = await fenced(db)
    await fences.write(Write(key="k0", expected=3, new=4, update={"$set": {"version": 4}}))
    writes = [
        Write(key=f"k{i}", expected=3, new=4, update={"$set": {"version": 4}, "$inc": {"n": 1}})
        for i in range(50)
    ]
    commands.sent.clear()

    outcomes = await fences.write_many(writes)

    assert outcomes == [False] + [True] * 49  # k0 was at version 4 already
    assert commands.sent[("insert", "fences")] == 1
    assert commands.sent[("update", "docs")] == 2  # 49 updates, in commands of 32
    counts = {doc["_id"]: doc["n"] async for doc in db.docs.find({})}
    assert counts == {"k0": 0} | {f"k{i}": 1 for i in range(1, 50)}


async def test_concurrent_single_writes_share_round_trips(
    counted: tuple[AsyncDatabase[Document], Commands],
) -> None:
    db, commands = counted
    await db.docs.insert_many([{"_id": f"k{i}", "version": 1} for i in range(40)])
    fences = await fenced(db)
    commands.sent.clear()

    answers = await asyncio.gather(
        *(
            fences.write(Write(key=f"k{i}", expected=1, new=2, update={"$set": {"version": 2}}))
            for i in range(40)
        )
    )

    assert answers == [True] * 40
    assert commands.sent[("insert", "fences")] < 40 / 5


async def test_a_batch_larger_than_an_update_command_takes_goes_out_in_commands_of_32(
    counted: tuple[AsyncDatabase[Document], Commands],
) -> None:
    db, commands = counted  # FerretDB v1 never answers an update command of 100 statements
    await db.docs.insert_many([{"_id": f"k{i}", "version": 1} for i in range(150)])
    fences = await fenced(db)
    commands.sent.clear()

    outcomes = await fences.write_many(
        [Write(key=f"k{i}", expected=1, new=2, update={"$set": {"version": 2}}) for i in range(150)]
    )

    assert outcomes == [True] * 150
    assert commands.sent[("update", "docs")] == 5  # 150 / 32, rounded up
    assert {doc["version"] async for doc in db.docs.find({})} == {2}


async def test_forgetting_a_key_deletes_its_fences_so_a_new_life_starts_afresh(
    db: AsyncDatabase[Document],
) -> None:
    fences = await fenced(db)
    for version in (1, 2, 3):
        assert await fences.write(bump(version, name="Jana"))
    await db.docs.delete_one({"_id": "d"})

    await fences.forget("d", up_to=4)

    assert [fence async for fence in db.fences.find({})] == []
    await db.docs.insert_one({"_id": "d", "version": 1, "n": 0})
    assert await fences.write(bump(1, name="someone else")) is True
