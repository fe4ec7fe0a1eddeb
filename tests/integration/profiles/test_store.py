"""The MongoDB store keeps its promises on the real store: unique emails per program (on insert
and on update), writes conditional on the version, outbox marks that never lose a newer event,
and the hints of writers without a relay."""

import asyncio

import pytest
from pymongo.asynchronous.database import AsyncDatabase

from services.profiles.changes import Origin, decide
from services.profiles.errors import DuplicateEmail
from services.profiles.hints import MongoHints
from services.profiles.outbox import MongoOutboxStore
from services.profiles.records import ProfileRecord
from services.profiles.service import now_ms
from services.profiles.store import MongoProfileStore, ProfileQuery
from shared.commands import ProfileChangeRequest
from shared.mongo import Document
from shared.profile import ProfilePatch
from tests.builders.profiles import profile_fields

pytestmark = pytest.mark.integration
API = Origin(producer="profiles")


def change(current: ProfileRecord | None, request: ProfileChangeRequest) -> ProfileRecord:
    record = decide(current, request, API, now=now_ms()).record
    assert record is not None
    return record


def upsert(profile_id: str, **fields: object) -> ProfileChangeRequest:
    return ProfileChangeRequest(
        op="upsert", profile_id=profile_id, profile=profile_fields(**fields)
    )


def rename(profile_id: str, name: str) -> ProfileChangeRequest:
    return ProfileChangeRequest(op="patch", profile_id=profile_id, patch=ProfilePatch(name=name))


@pytest.fixture
async def store(mongo: AsyncDatabase[Document]) -> MongoProfileStore:
    profiles = MongoProfileStore(mongo)
    await profiles.ensure_indexes()
    return profiles


@pytest.fixture(params=[False, True], ids=["point-filters", "compound-filters"])
def outbox(mongo: AsyncDatabase[Document], request: pytest.FixtureRequest) -> MongoOutboxStore:
    """Both ways of purging: by a read and a delete by `_id` (FerretDB), and by one conditional
    delete (MongoDB); the local store serves both, the second at a scan's cost."""
    return MongoOutboxStore(mongo, precise=request.param)


async def test_a_record_reads_back_exactly_as_written(store: MongoProfileStore) -> None:
    record = change(None, upsert("p1"))

    assert await store.insert(record)

    assert await store.get("p1") == record


async def test_an_id_that_is_taken_is_not_inserted_twice(store: MongoProfileStore) -> None:
    assert await store.insert(change(None, upsert("p1", email="a@example.org")))

    assert not await store.insert(change(None, upsert("p1", email="b@example.org")))


async def test_one_email_per_program_on_insert_and_on_update(store: MongoProfileStore) -> None:
    await store.insert(change(None, upsert("p1", program_id="x", email="a@example.org")))
    other = change(None, upsert("p2", program_id="x", email="b@example.org"))
    await store.insert(other)
    await store.insert(change(None, upsert("p3", program_id="y", email="a@example.org")))

    with pytest.raises(DuplicateEmail):
        await store.insert(change(None, upsert("p4", program_id="x", email="a@example.org")))
    moved = change(other, upsert("p2", program_id="x", email="a@example.org"))
    with pytest.raises(DuplicateEmail):
        await store.update(moved, expected_version=1)


async def test_an_update_from_a_stale_version_is_refused(store: MongoProfileStore) -> None:
    first = change(None, upsert("p1"))
    await store.insert(first)
    second = change(first, rename("p1", "Second"))
    assert await store.update(second, expected_version=1)

    assert not await store.update(change(first, rename("p1", "Lost")), expected_version=1)
    assert (await store.get("p1")) == second


async def test_tombstones_of_one_program_do_not_collide_and_drop_personal_fields(
    store: MongoProfileStore, mongo: AsyncDatabase[Document]
) -> None:
    for profile_id in ("p1", "p2"):
        created = change(
            None, upsert(profile_id, program_id="x", email=f"{profile_id}@example.org")
        )
        await store.insert(created)
        deleted = change(created, ProfileChangeRequest(op="delete", profile_id=profile_id))
        assert await store.update(deleted, expected_version=1)

    document = await mongo.profiles.find_one({"_id": "p1"})
    assert document is not None
    assert {"name", "birth_year", "availability", "department"}.isdisjoint(document)
    assert "@" not in document["email"]
    assert await store.find(ProfileQuery(program_id="x"), limit=10) == []


async def test_trimming_sent_entries_never_drops_an_event_written_since_the_read(
    store: MongoProfileStore,
    outbox: MongoOutboxStore,
) -> None:
    first = change(None, upsert("p1"))
    await store.insert(first)
    second = change(first, rename("p1", "Second"))
    await store.update(second, expected_version=1)

    assert await outbox.trim({"p1": first.outbox}) == 1  # we had read version 1 only
    assert [e.version for e in (await outbox.pending(limit=10))[0].outbox] == [2]
    assert await outbox.trim({"p1": second.outbox}) == 1
    assert await outbox.pending(limit=10) == []


async def test_a_trim_made_twice_changes_nothing_more(
    store: MongoProfileStore, outbox: MongoOutboxStore
) -> None:
    first = change(None, upsert("p1"))
    await store.insert(first)
    await outbox.trim({"p1": first.outbox})
    second = change(await store.get("p1"), rename("p1", "Second"))
    await store.update(second, expected_version=1)

    assert await outbox.trim({"p1": first.outbox}) == 1

    assert await outbox_versions(store, "p1") == [2]


async def test_a_tombstone_is_purged_only_at_its_version(
    store: MongoProfileStore, outbox: MongoOutboxStore
) -> None:
    created = change(None, upsert("p1"))
    await store.insert(created)
    deleted = change(created, ProfileChangeRequest(op="delete", profile_id="p1"))
    await store.update(deleted, expected_version=1)

    assert await outbox.purge([("p1", 1)]) == 0
    assert await outbox.purge([("p1", 2)]) == 1
    assert await store.get("p1") is None


async def test_trimming_touches_only_the_entries_published(
    store: MongoProfileStore,
    outbox: MongoOutboxStore,
) -> None:
    created = [change(None, upsert(f"p{n}", email=f"{n}@example.org")) for n in range(3)]
    for record in created:
        await store.insert(record)
    rewritten = change(created[0], rename("p0", "Again"))
    await store.update(rewritten, expected_version=1)

    assert await outbox.trim({"p0": created[0].outbox, "p1": created[1].outbox}) == 2

    assert [await outbox_versions(store, f"p{n}") for n in range(3)] == [[2], [], [1]]


async def outbox_versions(store: MongoProfileStore, profile_id: str) -> list[int]:
    record = await store.get(profile_id)
    assert record is not None
    return [entry.version for entry in record.outbox]


async def test_purging_removes_only_tombstones(
    store: MongoProfileStore, outbox: MongoOutboxStore
) -> None:
    live = change(None, upsert("p1", email="a@example.org"))
    await store.insert(live)
    doomed = change(None, upsert("p2", email="b@example.org"))
    await store.insert(doomed)
    tombstone = change(doomed, ProfileChangeRequest(op="delete", profile_id="p2"))
    await store.update(tombstone, expected_version=1)

    assert await outbox.purge([("p1", 1), ("p2", 2)]) == 1

    assert await store.get("p2") is None and await store.get("p1") is not None


async def test_hints_are_read_oldest_first_and_removed_by_id(
    mongo: AsyncDatabase[Document],
) -> None:
    hints = MongoHints(mongo)
    await hints.add(["p1", "p2"])
    await hints.add(["p3"])

    found = await hints.oldest(limit=10)
    await hints.remove([found[0].id])

    assert sorted(id for hint in found for id in hint.profile_ids) == ["p1", "p2", "p3"]
    assert len(await hints.oldest(limit=10)) == 1


async def test_an_update_refused_for_its_email_leaves_the_version_free(
    store: MongoProfileStore,
) -> None:
    await store.insert(change(None, upsert("p1", program_id="x", email="a@example.org")))
    other = change(None, upsert("p2", program_id="x", email="b@example.org"))
    await store.insert(other)

    with pytest.raises(DuplicateEmail):
        await store.update(
            change(other, upsert("p2", program_id="x", email="a@example.org")), expected_version=1
        )
    renamed = change(other, rename("p2", "Renamed"))

    assert await store.update(renamed, expected_version=1)
    assert await store.get("p2") == renamed


async def test_an_id_purged_and_created_again_is_written_like_a_new_one(
    store: MongoProfileStore, outbox: MongoOutboxStore
) -> None:
    first = change(None, upsert("p1", name="First life"))
    await store.insert(first)
    renamed = change(first, rename("p1", "Renamed"))
    await store.update(renamed, expected_version=1)
    deleted = change(renamed, ProfileChangeRequest(op="delete", profile_id="p1"))
    await store.update(deleted, expected_version=2)
    assert await outbox.purge([("p1", 3)]) == 1

    again = change(None, upsert("p1", name="Second life"))
    assert await store.insert(again)
    second = change(again, rename("p1", "Second life, renamed"))

    assert await store.update(second, expected_version=1)
    assert await store.get("p1") == second


async def test_a_hint_keeps_the_records_written_with_it_until_it_is_removed(
    mongo: AsyncDatabase[Document], store: MongoProfileStore
) -> None:
    first = change(None, upsert("p1", program_id="x", email="a@example.org"))
    second = change(first, rename("p1", "Renamed"))
    hints = MongoHints(mongo)
    await hints.add(["p1"], [second])
    await hints.add(["p2"])

    found = await hints.oldest(limit=10)
    copies = {hint.profile_ids[0]: await hints.records(hint.id) for hint in found}
    await hints.remove([hint.id for hint in found])

    assert copies == {"p1": [second], "p2": None}
    assert await hints.oldest(limit=10) == []
    assert [await hints.records(hint.id) for hint in found] == [None, None]


async def test_a_refused_insert_hands_what_it_read_to_its_own_next_read_only(
    mongo: AsyncDatabase[Document], store: MongoProfileStore
) -> None:
    first = change(None, upsert("p1", program_id="x", email="a@example.org"))
    await store.insert(first)
    again = change(None, upsert("p1", program_id="x", email="a@example.org", name="Again"))
    assert not await store.insert(again)  # the id is taken by another writer's record
    await mongo["profiles"].update_one({"_id": "p1"}, {"$set": {"name": "Since"}})

    other_task = await asyncio.create_task(store.get("p1"))
    own = await store.get("p1")  # what the refused insert read: no round trip
    own_again = await store.get("p1")

    assert other_task is not None and other_task.fields is not None
    assert other_task.fields.name == "Since"
    assert own == first
    assert own_again is not None and own_again.fields is not None
    assert own_again.fields.name == "Since"
