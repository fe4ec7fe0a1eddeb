"""The per-program lists of people, pairings and slots against the real store: a program is read
by `_id` only, a crash between a list's write and its document's leaves a list that is ahead
(tolerated), and a store written before the lists gets them at start-up."""

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from services.matcher.adapters import people_store
from services.matcher.adapters.id_lists import IdLists
from services.matcher.adapters.pairing_store import MongoPairings
from services.matcher.adapters.people_store import MongoPeople
from services.matcher.adapters.slot_store import MongoSlots
from services.matcher.adapters.stored_profiles import stored_profile
from services.matcher.core import lifecycle
from services.matcher.usecases.messages import event_for
from services.matcher.usecases.ports import SlotClaim
from shared.errors import StoreUnavailable
from shared.mongo import Document
from tests.builders.matcher import NOW, pairing, profile
from tests.helpers import Commands, Shapes

pytestmark = pytest.mark.integration


@pytest.fixture
async def people(mongo: AsyncDatabase[Document]) -> MongoPeople:
    store = MongoPeople(mongo)
    await store.ensure_indexes()
    return store


@pytest.fixture
async def pairings(mongo: AsyncDatabase[Document]) -> MongoPairings:
    store = MongoPairings(mongo)
    await store.ensure_indexes()
    return store


async def shapes_of_reading(
    mongo_uri: str, mongo_db: str, program: str
) -> tuple[list[str], list[str], dict[str, int]]:
    """The program's people and pairings as a new process reads them, and the shapes it sent."""
    shapes = Shapes()
    client: AsyncMongoClient[Document] = AsyncMongoClient(
        mongo_uri, event_listeners=[shapes], tz_aware=True
    )
    try:
        people, pairings = MongoPeople(client[mongo_db]), MongoPairings(client[mongo_db])
        for store in (people, pairings):
            await store.ensure_indexes()
        shapes.seen.clear()
        members = [p.id for p in await people.of_program(program)]
        records = [r.id for r in await pairings.of_program(program)]
        return members, records, dict(shapes.seen)
    finally:
        await client.close()


async def test_a_program_is_read_by_id_only(
    people: MongoPeople, pairings: MongoPairings, mongo_uri: str, mongo_db: str
) -> None:
    await asyncio.gather(*(people.apply(profile(f"p{n}", program_id="a")) for n in range(5)))
    await people.apply(profile("elsewhere", program_id="b"))
    record = pairing("pr-1", program="a", younger="p0", older="p1")
    await pairings.create(record, event_for(record, "proposed", correlation_id=None))

    members, records, sent = await shapes_of_reading(mongo_uri, mongo_db, "a")

    assert members == [f"p{n}" for n in range(5)]
    assert records == ["pr-1"]
    assert set(sent) == {"find memberships {_id}", "find people {_id}", "find pairings {_id}"}
    assert (sent["find people {_id}"], sent["find pairings {_id}"]) == (5, 1)


async def test_a_person_who_moved_or_was_deleted_is_read_only_where_they_are(
    people: MongoPeople,
) -> None:
    for person in ("p1", "p2", "p3"):
        await people.apply(profile(person, program_id="a"))
    await people.apply(profile("p1", version=2, program_id="b"))
    await people.remove("p2", version=2)
    await people.apply(profile("p2", version=1, program_id="a"))  # a replayed older change

    assert [p.id for p in await people.of_program("a")] == ["p3"]
    assert [p.id for p in await people.of_program("b")] == ["p1"]


async def test_an_id_listed_without_its_person_reads_as_nobody(
    people: MongoPeople, mongo: AsyncDatabase[Document]
) -> None:
    await people.apply(profile("p1", program_id="a"))
    # Listed, but not stored (a move's old program, or a write that never came).
    await IdLists(mongo["memberships"]).add("people:a", ["p2"])

    assert [p.id for p in await people.of_program("a")] == ["p1"]
    assert await people.apply(profile("p2", program_id="a")) == ["a"]  # the redelivery
    assert [p.id for p in await people.of_program("a")] == ["p1", "p2"]


async def test_a_duplicate_delivery_lists_a_person_once(
    people: MongoPeople, mongo: AsyncDatabase[Document]
) -> None:
    snapshot = profile("p1", program_id="a")
    await asyncio.gather(people.apply(snapshot), people.apply(snapshot))
    await people.apply(snapshot)

    assert await IdLists(mongo["memberships"]).read("people:a") == ["p1"]
    assert [p.id for p in await people.of_program("a")] == ["p1"]


async def test_a_crash_between_the_person_and_the_list_is_repaired_by_the_redelivery(
    mongo: AsyncDatabase[Document],
) -> None:
    store = MongoPeople(mongo)
    await store.ensure_indexes()
    lists = store._members

    class Down(IdLists):
        async def add(self, *args: object, **kwargs: object) -> None:
            raise StoreUnavailable("down")

    store._members = Down(mongo["memberships"])  # the store fails after the person's write
    with pytest.raises(StoreUnavailable):  # so no work is forwarded, no offset committed
        await store.apply(profile("p1", program_id="a"))
    assert await mongo.people.find_one({"_id": "p1"}) is not None
    assert await store.of_program("a") == []  # the list is behind until the redelivery

    store._members = lists
    assert await store.apply(profile("p1", program_id="a")) == ["a"]  # the redelivery
    assert [p.id for p in await store.of_program("a")] == ["p1"]


async def test_a_store_written_before_the_lists_gets_them_at_start_up(
    mongo: AsyncDatabase[Document], mongo_uri: str, mongo_db: str
) -> None:
    earlier = [profile(f"p{n}", program_id="a") for n in range(3)]
    await mongo.people.insert_many(
        [
            {"_id": p.id, "version": 1, "program_id": "a", "previous_program_id": None}
            | {"deleted": False, "profile": stored_profile(p)}
            for p in earlier
        ]
    )
    record = pairing("pr-1", program="a", younger="p0", older="p1")
    await MongoPairings(mongo).create(record, event_for(record, "proposed", correlation_id=None))
    await mongo.memberships.delete_many({})  # as written before the lists existed

    members, records, sent = await shapes_of_reading(mongo_uri, mongo_db, "a")

    assert members == ["p0", "p1", "p2"]
    assert records == ["pr-1"]
    assert set(sent) == {"find memberships {_id}", "find people {_id}", "find pairings {_id}"}
    now = NOW + timedelta(minutes=1)
    assert await MongoPairings(mongo).due_programs(now=now, stuck_before=now) == {"a"}


async def test_a_due_programs_unsent_pairings_are_read_by_id_and_its_list_set_right(
    pairings: MongoPairings, mongo_uri: str, mongo_db: str
) -> None:
    records = [pairing(f"pr-{n}", program="a", older=f"o{n}") for n in range(3)]
    for record in records:
        await pairings.create(record, event_for(record, "proposed", correlation_id=None))
    published = await pairings.unpublished("a", ["pr-0"])
    await pairings.mark_published(
        {u.pairing_id: [h["event_id"] for _, h in u.payloads] for u in published}
    )
    shapes = Shapes()
    client: AsyncMongoClient[Document] = AsyncMongoClient(
        mongo_uri, event_listeners=[shapes], tz_aware=True
    )
    try:
        later = MongoPairings(client[mongo_db])  # a new owner, after a restart
        await later.ensure_indexes()
        shapes.seen.clear()
        left = await later.unpublished("a")
        sent = dict(shapes.seen)
    finally:
        await client.close()

    assert [u.pairing_id for u in left] == ["pr-1", "pr-2"]
    assert set(sent) == {
        "find memberships {_id}",
        "find pairings {_id}",
        "update pairings_unsent {_id} x1",
    }
    assert (sent["find pairings {_id}"], sent["update pairings_unsent {_id} x1"]) == (3, 1)


async def test_the_sweep_finds_a_stuck_entry_and_an_expiry_without_a_scan_of_pairings(
    pairings: MongoPairings, mongo_uri: str, mongo_db: str
) -> None:
    record = pairing("pr-1", program="a")
    await pairings.create(record, event_for(record, "proposed", correlation_id=None))
    shapes = Shapes()
    client: AsyncMongoClient[Document] = AsyncMongoClient(
        mongo_uri, event_listeners=[shapes], tz_aware=True
    )
    try:
        sweeper = MongoPairings(client[mongo_db])
        await sweeper.ensure_indexes()
        shapes.seen.clear()
        first = await sweeper.due_programs(now=NOW, stuck_before=NOW - timedelta(minutes=5))
        stuck = NOW + timedelta(minutes=10)
        second = await sweeper.due_programs(now=stuck, stuck_before=stuck - timedelta(minutes=5))
        expired = NOW + timedelta(days=8)
        sent = dict(shapes.seen)
    finally:
        await client.close()
    taken = await pairings.unpublished("a", ["pr-1"])
    await pairings.mark_published(
        {u.pairing_id: [h["event_id"] for _, h in u.payloads] for u in taken}
    )

    assert (first, second) == (set(), {"a"})  # unsent for longer than the stuck time
    assert sent == {"find pairings_unsent {}": 2}
    assert await pairings.due_programs(now=NOW, stuck_before=stuck) == set()
    assert await pairings.due_programs(now=expired, stuck_before=NOW) == {"a"}  # its expiry


async def test_a_list_left_ahead_is_set_right_by_the_due_programs_relay(
    pairings: MongoPairings, mongo: AsyncDatabase[Document]
) -> None:
    record = pairing("pr-1", program="a")
    await pairings.create(record, event_for(record, "proposed", correlation_id=None))
    change = lifecycle.cancel(record.status, "constraint_broken", "same department")
    assert change is not None
    await pairings.save(record.with_status(change.status, now=NOW), expected_sequence=0, event=None)
    taken = await pairings.unpublished("a", ["pr-1"])
    # Published, then the process stopped before the list's pull: the list is ahead.
    await mongo.pairings.update_one({"_id": "pr-1"}, {"$set": {"outbox_unsent": []}})
    assert taken
    later = NOW + timedelta(days=30)
    assert await pairings.due_programs(now=later, stuck_before=later) == {"a"}

    assert await pairings.unpublished("a") == []  # the due program's relay: reads all
    assert await pairings.due_programs(now=later, stuck_before=later) == set()


async def test_a_programs_slots_are_read_by_id_also_those_claimed_before_the_lists(
    mongo: AsyncDatabase[Document], mongo_uri: str, mongo_db: str
) -> None:
    slots = MongoSlots(mongo)
    await slots.ensure_indexes()
    await slots.claim("p1", 2, pairing_id="pr-1", program_id="a")
    await slots.claim("p9", 1, pairing_id="pr-9", program_id="b")
    await mongo.slots.insert_one(
        {"_id": "p2#0", "pairing_id": "pr-2", "program_id": "a"} | {"claimed_at": NOW}
    )
    await mongo.memberships.delete_many({})  # as written before the lists existed
    shapes = Shapes()
    client: AsyncMongoClient[Document] = AsyncMongoClient(
        mongo_uri, event_listeners=[shapes], tz_aware=True
    )
    try:
        later = MongoSlots(client[mongo_db])
        await later.ensure_indexes()
        shapes.seen.clear()
        found = await later.of_program("a")
        sent = dict(shapes.seen)
    finally:
        await client.close()

    assert [(s.id, s.pairing_id) for s in found] == [("p1#0", "pr-1"), ("p2#0", "pr-2")]
    assert set(sent) == {"find memberships {_id}", "find slots {_id}"}
    assert sent["find slots {_id}"] == 2


async def test_the_new_people_of_one_poll_share_their_list_writes(
    mongo_uri: str, mongo_db: str, mongo: AsyncDatabase[Document]
) -> None:
    commands = Commands()
    client: AsyncMongoClient[Document] = AsyncMongoClient(mongo_uri, event_listeners=[commands])
    people = MongoPeople(client[mongo_db])
    try:
        # As the batched consumer runs the keys of one poll: concurrently.
        await asyncio.gather(*(people.apply(profile(f"p{n}", program_id="a")) for n in range(40)))
    finally:
        await client.close()

    listed = await IdLists(mongo["memberships"]).read("people:a")
    assert listed == sorted(f"p{n}" for n in range(40))
    assert commands.sent[("insert", "memberships")] <= 40 / 4


async def test_a_claim_makes_its_program_due_once_it_is_old_enough_and_once_only(
    mongo: AsyncDatabase[Document], mongo_uri: str, mongo_db: str
) -> None:
    slots = MongoSlots(mongo)
    await slots.ensure_indexes()
    await slots.claim("p1", 1, pairing_id="pr-1", program_id="a")
    await slots.claim("p2", 1, pairing_id="pr-2", program_id="b")
    now = datetime.now(UTC)
    shapes = Shapes()
    client: AsyncMongoClient[Document] = AsyncMongoClient(
        mongo_uri, event_listeners=[shapes], tz_aware=True
    )
    try:
        sweeper = MongoSlots(client[mongo_db])
        await sweeper.ensure_indexes()
        shapes.seen.clear()
        early = await sweeper.programs_claimed_between(since=now, until=now - timedelta(hours=1))
        later = now + timedelta(seconds=5)
        found = await sweeper.programs_claimed_between(since=now, until=later)
        failed_sweep_again = await sweeper.programs_claimed_between(since=now, until=later)
        await sweeper.claims_swept()
        after = await sweeper.programs_claimed_between(since=now, until=later)
        sent = set(shapes.seen)
    finally:
        await client.close()

    assert (early, found, failed_sweep_again, after) == (set(), {"a", "b"}, {"a", "b"}, set())
    assert sent == {"find slot_claims {}", "delete slot_claims {_id} x2"}


async def test_only_the_claims_of_a_step_that_did_not_end_well_make_their_program_due(
    mongo: AsyncDatabase[Document],
) -> None:
    slots = MongoSlots(mongo)
    await slots.ensure_indexes()
    await slots.claim("p1", 1, pairing_id="pr-1", program_id="a")
    await slots.claim_each([SlotClaim("p2#0", "pr-2", "a")])
    await slots.claim("p3", 1, pairing_id="pr-3", program_id="b")
    await slots.claims_kept("a")  # a's step stored its pairings
    slots.claims_unsure("b")  # b's step failed after its claim
    await slots.claims_kept("b")  # nothing left to settle of b's failed step
    later = datetime.now(UTC) + timedelta(seconds=5)

    sweeper = MongoSlots(mongo)
    await sweeper.ensure_indexes()

    assert await sweeper.programs_claimed_between(since=later, until=later) == {"b"}


async def test_writers_in_many_processes_lose_no_id_of_a_list(
    mongo_uri: str, mongo_db: str
) -> None:
    clients: list[AsyncMongoClient[Document]] = [AsyncMongoClient(mongo_uri) for _ in range(4)]
    try:
        writers = [IdLists(client[mongo_db]["memberships"]) for client in clients]
        # As the profile consumers of four replicas add the people of one program at once.
        await asyncio.gather(*(writers[n % 4].add("people:a", [f"p{n}"]) for n in range(200)))
        listed = await IdLists(clients[0][mongo_db]["memberships"]).read("people:a")
    finally:
        for client in clients:
            await client.close()

    assert listed == sorted(f"p{n}" for n in range(200))


async def test_a_program_too_large_to_read_by_id_is_read_by_query(
    people: MongoPeople, mongo_uri: str, mongo_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    await asyncio.gather(*(people.apply(profile(f"p{n}", program_id="a")) for n in range(3)))
    monkeypatch.setattr(people_store, "READ_BY_ID_AT_MOST", 2)

    members, _, sent = await shapes_of_reading(mongo_uri, mongo_db, "a")

    assert members == ["p0", "p1", "p2"]
    assert "find people {deleted,program_id}" in sent  # point reads cost more than a scan then
    assert "find people {_id}" not in sent


async def test_a_new_writer_finds_the_end_of_a_long_list_in_a_few_reads(
    mongo: AsyncDatabase[Document], mongo_uri: str, mongo_db: str
) -> None:
    await mongo.memberships.insert_many(
        [{"_id": f"people:a#{n}", "ids": [f"p{n}"]} for n in range(37)]
    )
    commands = Commands()
    client: AsyncMongoClient[Document] = AsyncMongoClient(mongo_uri, event_listeners=[commands])
    try:
        await IdLists(client[mongo_db]["memberships"]).add("people:a", ["new"])  # a restart
    finally:
        await client.close()

    listed = await IdLists(mongo["memberships"]).read("people:a")
    assert listed == sorted([*(f"p{n}" for n in range(37)), "new"])
    assert commands.sent[("insert", "memberships")] == 1  # at the end, not after failed tries
    assert commands.sent[("find", "memberships")] <= 2 * 6 + 1
