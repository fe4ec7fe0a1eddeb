"""The matcher's Mongo adapters against the real store."""

import asyncio
from datetime import timedelta

import pytest
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from services.matcher.adapters.mongo_reads import find_by_ids
from services.matcher.adapters.pairing_store import MongoPairings
from services.matcher.adapters.people_store import MongoPeople
from services.matcher.adapters.slot_store import MongoSlots
from services.matcher.core import lifecycle
from services.matcher.core.lifecycle import PairingState
from services.matcher.usecases.messages import event_for
from shared.mongo import Document
from tests.builders.matcher import NOW, pairing, profile
from tests.helpers import Commands, Shapes

pytestmark = pytest.mark.integration


@pytest.fixture
async def people(mongo: AsyncDatabase[Document]) -> MongoPeople:
    store = MongoPeople(mongo)
    await store.ensure_indexes()
    return store


async def pending_ids(
    pairings: MongoPairings, program: str, ids: list[str]
) -> dict[str, list[str]]:
    """The event ids pending now for these pairings, as the relay takes them."""
    found = await pairings.unpublished(program, ids)
    return {u.pairing_id: [h["event_id"] for _, h in u.payloads] for u in found}


async def publish(pairings: MongoPairings, program: str, ids: list[str]) -> None:
    """Record what is pending now for these pairings published, as the relay does."""
    await pairings.mark_published(await pending_ids(pairings, program, ids))


@pytest.fixture
async def pairings(mongo: AsyncDatabase[Document]) -> MongoPairings:
    store = MongoPairings(mongo)
    await store.ensure_indexes()
    return store


async def test_a_newer_snapshot_replaces_the_stored_one_and_an_older_is_ignored(
    people: MongoPeople,
) -> None:
    assert await people.apply(profile("p1", version=2, program_id="a", name="Two")) == ["a"]

    assert await people.apply(profile("p1", version=1, program_id="a", name="One")) == []
    assert (await people.many(["p1"]))["p1"].name == "Two"


async def test_replaying_the_stored_version_names_its_programs_again(people: MongoPeople) -> None:
    await people.apply(profile("p1", version=1, program_id="a"))
    assert await people.apply(profile("p1", version=2, program_id="b")) == ["b", "a"]

    assert await people.apply(profile("p1", version=2, program_id="b")) == ["b", "a"]
    assert [p.id for p in await people.of_program("b")] == ["p1"]
    assert await people.of_program("a") == []


async def test_new_people_of_one_poll_share_their_inserts(
    mongo_uri: str, mongo_db: str, mongo: AsyncDatabase[Document]
) -> None:
    commands = Commands()
    client: AsyncMongoClient[Document] = AsyncMongoClient(mongo_uri, event_listeners=[commands])
    people = MongoPeople(client[mongo_db])
    snapshots = [profile(f"p{i}", program_id=f"prog{i % 2}") for i in range(40)]
    try:
        # As the batched consumer runs the keys of one poll: concurrently.
        programs = await asyncio.gather(*(people.apply(snapshot) for snapshot in snapshots))
    finally:
        await client.close()

    assert programs == [[f"prog{i % 2}"] for i in range(40)]
    assert await mongo.people.count_documents({}) == 40
    assert commands.sent[("insert", "people")] <= 40 / 4


async def test_changed_people_of_one_poll_share_their_updates_even_with_a_duplicate(
    mongo_uri: str, mongo_db: str, mongo: AsyncDatabase[Document]
) -> None:
    seed = MongoPeople(mongo)
    await seed.ensure_indexes()
    await asyncio.gather(*(seed.apply(profile(f"p{i}", program_id="a")) for i in range(40)))
    commands = Commands()
    client: AsyncMongoClient[Document] = AsyncMongoClient(mongo_uri, event_listeners=[commands])
    people = MongoPeople(client[mongo_db])
    await people.ensure_indexes()
    changed = [profile(f"p{i}", version=2, program_id="a", name="Two") for i in range(40)]
    try:
        # As the batched consumer runs one poll, with p0's change delivered twice.
        programs = await asyncio.gather(*(people.apply(s) for s in [*changed, changed[0]]))
        older = await people.apply(profile("p1", version=1, program_id="a", name="One"))
    finally:
        await client.close()

    assert programs == [["a"]] * 41
    assert older == []
    stored = await seed.many([f"p{i}" for i in range(40)])
    assert {(p.version, p.name) for p in stored.values()} == {(2, "Two")}
    assert commands.sent[("update", "people")] <= 40 / 4
    assert commands.sent[("insert", "people_fences")] <= 40 / 4


async def test_a_deleted_person_is_gone_and_older_changes_cannot_bring_them_back(
    people: MongoPeople,
) -> None:
    await people.apply(profile("p1", version=1, program_id="a"))

    assert await people.remove("p1", version=2) == ["a"]
    assert await people.apply(profile("p1", version=1, program_id="a")) == []
    assert await people.many(["p1"]) == {}
    assert await people.remove("p1", version=2) == ["a"]  # a replay still names the program


async def test_a_deleted_person_leaves_no_snapshot_in_the_fences(
    people: MongoPeople, mongo: AsyncDatabase[Document]
) -> None:
    for version in (1, 2, 3):
        await people.apply(profile("p1", version=version, program_id="a", name=f"V{version}"))
    assert await mongo.people_fences.count_documents({}) == 2  # versions 2 and 3

    assert await people.remove("p1", version=4) == ["a"]

    assert [f["_id"] async for f in mongo.people_fences.find({})] == ["p1#4"]
    assert (await mongo.people.find_one({"_id": "p1"}) or {})["profile"] is None


async def test_a_deletion_of_someone_never_seen_blocks_their_older_changes(
    people: MongoPeople,
) -> None:
    assert await people.remove("p9", version=3) == []

    assert await people.apply(profile("p9", version=2, program_id="a")) == []
    assert await people.apply(profile("p9", version=4, program_id="a")) == ["a"]


async def test_a_tombstone_deletes_whatever_is_stored(people: MongoPeople) -> None:
    await people.apply(profile("p1", version=5, program_id="a"))

    assert await people.remove("p1", version=None) == ["a"]
    assert await people.of_program("a") == []
    assert await people.remove("p1", version=None) == []


async def test_a_profile_is_stored_as_one_value_and_the_earlier_layout_is_still_read(
    people: MongoPeople, mongo: AsyncDatabase[Document]
) -> None:
    new, earlier = profile("p1", program_id="a"), profile("p2", program_id="a", name="Earlier")
    await people.apply(new)
    await people.apply(earlier)
    await mongo.people.update_one(
        {"_id": "p2"}, {"$set": {"profile": earlier.model_dump(mode="json")}}
    )  # as the read model stored a person before

    stored = await mongo.people.find_one({"_id": "p1"})
    assert stored is not None and isinstance(stored["profile"], bytes)
    assert sorted(await people.of_program("a"), key=lambda p: p.id) == [new, earlier]
    assert await people.many(["p1", "p2"]) == {"p1": new, "p2": earlier}


async def test_a_pairings_proposal_is_stored_as_one_value_and_the_earlier_layout_is_read(
    pairings: MongoPairings, mongo: AsyncDatabase[Document]
) -> None:
    new, earlier = pairing("pr-1", program="a"), pairing("pr-2", program="a")
    for record in (new, earlier):
        await pairings.create(record, event_for(record, "proposed", correlation_id=None))
    fields = earlier.model_dump(mode="json", include={"younger", "older", "explanation"})
    await mongo.pairings.update_one(
        {"_id": "pr-2"}, {"$set": fields, "$unset": {"proposal": ""}}
    )  # as pairings were stored before

    stored = await mongo.pairings.find_one({"_id": "pr-1"})
    assert stored is not None and isinstance(stored["proposal"], bytes)
    assert "younger" not in stored and stored["people"] == [new.younger.id, new.older.id]
    assert await pairings.of_program("a") == [new, earlier]
    assert await pairings.get("pr-2") == earlier


async def test_a_pairing_is_created_once(pairings: MongoPairings) -> None:
    record = pairing("pr-1", program="a")
    event = event_for(record, "proposed", correlation_id="c1")

    assert await pairings.create(record, event)
    assert not await pairings.create(record, event)
    assert await pairings.get("pr-1") == record


async def test_a_change_is_stored_only_from_the_sequence_it_was_computed_from(
    pairings: MongoPairings,
) -> None:
    record = pairing("pr-1", program="a")
    await pairings.create(record, event_for(record, "proposed", correlation_id=None))
    change = lifecycle.respond(record.status, "young", accept=False)
    assert change is not None
    declined = record.with_status(change.status, now=NOW)
    event = event_for(declined, "cancelled", correlation_id=None)

    assert await pairings.save(declined, expected_sequence=0, event=event)
    # Another change computed from sequence 0 (its own event) is refused; the same write again
    # is a retry of the stored one, which it recognises.
    other = event_for(declined, "cancelled", correlation_id=None)
    assert not await pairings.save(declined, expected_sequence=0, event=other)
    assert await pairings.save(declined, expected_sequence=0, event=event)
    stored = await pairings.get("pr-1")
    assert stored is not None and stored.state is PairingState.DECLINED
    [pending] = await pairings.unpublished("a")
    assert [h["event_type"] for _, h in pending.payloads] == [
        "pairing.proposed",
        "pairing.cancelled",
    ]


async def test_a_pairing_keeps_when_it_became_active_and_when_it_closed(
    pairings: MongoPairings,
) -> None:
    record = pairing("pr-1", program="a")
    await pairings.create(record, event_for(record, "proposed", correlation_id=None))
    changes = [  # (who, what, when): one acceptance, the second, then one of them ends it
        ("young", "accept", NOW + timedelta(hours=1)),
        ("old", "accept", NOW + timedelta(hours=3)),
        ("old", "end", NOW + timedelta(days=9)),
    ]
    for person, decision, at in changes:
        change = lifecycle.answer(record.status, person, decision)
        assert change is not None
        updated = record.with_status(change.status, now=at)
        event = event_for(updated, change.emits, correlation_id=None) if change.emits else None
        assert await pairings.save(updated, expected_sequence=record.sequence, event=event)
        record = updated

    stored = await pairings.get("pr-1")

    assert stored is not None
    assert (stored.proposed_at, stored.activated_at) == (NOW, NOW + timedelta(hours=3))
    assert stored.closed_at == NOW + timedelta(days=9)


async def test_published_entries_are_not_pending_any_more_but_later_ones_are(
    pairings: MongoPairings,
) -> None:
    record = pairing("pr-1", program="a")
    await pairings.create(record, event_for(record, "proposed", correlation_id=None))
    await publish(pairings, "a", ["pr-1"])
    assert await pairings.unpublished("a") == []

    change = lifecycle.cancel(record.status, "constraint_broken", "same department")
    assert change is not None
    cancelled = record.with_status(change.status, now=NOW)
    await pairings.save(
        cancelled, expected_sequence=0, event=event_for(cancelled, "cancelled", correlation_id=None)
    )
    [pending] = await pairings.unpublished("a", ["pr-1"])
    assert pending.start == 1 and len(pending.payloads) == 1


async def test_marking_many_pairings_at_once_keeps_entries_added_meanwhile(
    pairings: MongoPairings,
) -> None:
    first, second = pairing("pr-1", program="a"), pairing("pr-2", program="a", older="o2")
    for record in (first, second):
        await pairings.create(record, event_for(record, "proposed", correlation_id=None))
    taken = await pending_ids(pairings, "a", ["pr-1", "pr-2"])  # read before the cancellation
    change = lifecycle.cancel(second.status, "constraint_broken", "same department")
    assert change is not None
    cancelled = second.with_status(change.status, now=NOW)
    await pairings.save(
        cancelled, expected_sequence=0, event=event_for(cancelled, "cancelled", correlation_id=None)
    )

    await pairings.mark_published(taken)

    [pending] = await pairings.unpublished("a")
    assert (pending.pairing_id, pending.start, len(pending.payloads)) == ("pr-2", 1, 1)
    assert pending.payloads[0][1]["event_type"] == "pairing.cancelled"


async def test_marking_many_pairings_at_once_stays_below_what_the_local_store_can_serve(
    pairings: MongoPairings,
) -> None:
    ids = [f"pr-{n:03}" for n in range(150)]
    for pid in ids:
        record = pairing(pid, program="a", older=f"o-{pid}")
        await pairings.create(record, event_for(record, "proposed", correlation_id=None))

    # One update command of 100 statements or more never returns on FerretDB v1.
    async with asyncio.timeout(60):
        await publish(pairings, "a", ids)

    assert await pairings.unpublished("a") == []


async def test_a_published_outbox_is_not_stuck_at_once_and_an_unpublished_one_stays_due(
    pairings: MongoPairings,
) -> None:
    for pid, program, older in [("pr-1", "a", "o1"), ("pr-2", "a", "o2"), ("pr-3", "b", "o3")]:
        record = pairing(pid, program=program, older=older)
        await pairings.create(record, event_for(record, "proposed", correlation_id=None))
    later = NOW + timedelta(minutes=5)
    assert await pairings.due_programs(now=NOW, stuck_before=later) == {"a", "b"}
    taken = await pending_ids(pairings, "a", ["pr-1"]) | await pending_ids(pairings, "b", ["pr-3"])
    await pairings.mark_published(taken)
    await pairings.mark_published(taken)  # marking again is harmless

    # pr-2 was never published: its program stays due, and its entry pending.
    assert await pairings.due_programs(now=NOW, stuck_before=later) == {"a"}
    assert [p.pairing_id for p in await pairings.unpublished("a")] == ["pr-2"]
    assert await pairings.unpublished("b") == []


async def test_pairings_are_found_by_program_person_and_state(pairings: MongoPairings) -> None:
    for pid, program, older in [("pr-1", "a", "o1"), ("pr-2", "a", "o2"), ("pr-3", "b", "o1")]:
        record = pairing(pid, program=program, older=older)
        await pairings.create(record, event_for(record, "proposed", correlation_id=None))

    by_person = await pairings.find(program_id=None, person_id="o1", state=None, limit=10)
    in_a = await pairings.find(
        program_id="a", person_id=None, state=PairingState.PROPOSED, limit=10
    )
    active = await pairings.find(
        program_id=None, person_id=None, state=PairingState.ACTIVE, limit=10
    )

    assert [r.id for r in by_person] == ["pr-1", "pr-3"]
    assert [r.id for r in in_a] == ["pr-1", "pr-2"]
    assert active == []
    assert await pairings.count_by_state() == {"proposed": 3}


async def test_programs_with_expired_proposals_or_stuck_outboxes_are_due(
    pairings: MongoPairings,
) -> None:
    for pid, program in [("pr-1", "a"), ("pr-2", "b")]:
        record = pairing(pid, program=program)
        await pairings.create(record, event_for(record, "proposed", correlation_id=None))
    await publish(pairings, "a", ["pr-1"])
    await publish(pairings, "b", ["pr-2"])

    assert await pairings.due_programs(now=NOW, stuck_before=NOW) == set()
    later = NOW + timedelta(days=8)
    assert await pairings.due_programs(now=later, stuck_before=NOW) == {"a", "b"}

    record = pairing("pr-3", program="c")
    await pairings.create(record, event_for(record, "proposed", correlation_id=None))
    assert await pairings.due_programs(now=NOW, stuck_before=NOW + timedelta(seconds=1)) == {"c"}


async def test_a_person_never_holds_more_slots_than_capacity_even_under_racing_claims(
    mongo: AsyncDatabase[Document],
) -> None:
    slots = MongoSlots(mongo)
    await slots.ensure_indexes()

    claims = await asyncio.gather(
        *(slots.claim("p1", 2, pairing_id=f"pr-{n}", program_id="a") for n in range(6))
    )

    assert sorted(c for c in claims if c) == ["p1#0", "p1#1"]
    holder = next(n for n, c in enumerate(claims) if c == "p1#0")
    await slots.release_pairing(f"pr-{holder}")
    assert await slots.claim("p1", 2, pairing_id="pr-new", program_id="a") == "p1#0"
    assert sorted(s.pairing_id for s in await slots.of_program("a")) == sorted(
        ["pr-new", f"pr-{next(n for n, c in enumerate(claims) if c == 'p1#1')}"]
    )


async def test_a_pairing_frees_exactly_its_own_slots_in_one_round_trip(
    mongo_uri: str, mongo_db: str, mongo: AsyncDatabase[Document]
) -> None:
    commands = Commands()
    client: AsyncMongoClient[Document] = AsyncMongoClient(mongo_uri, event_listeners=[commands])
    slots = MongoSlots(client[mongo_db])
    await slots.ensure_indexes()
    try:
        held = [await slots.claim(p, 2, pairing_id="pr-x", program_id="a") for p in ("p1", "p2")]
        other = await slots.claim("p1", 2, pairing_id="pr-y", program_id="a")
        before = commands.sent[("delete", "slots")]
        await slots.release("pr-x", [slot for slot in held if slot])
        deletes = commands.sent[("delete", "slots")] - before
        await slots.release("pr-x", [slot for slot in held if slot])  # again: nothing to free
    finally:
        await client.close()

    assert (held, other) == (["p1#0", "p2#0"], "p1#1")
    assert deletes == 1
    remaining = await MongoSlots(mongo).of_program("a")
    assert [(s.id, s.pairing_id) for s in remaining] == [("p1#1", "pr-y")]


async def test_many_ids_are_read_one_by_one_never_by_a_scan(
    mongo_uri: str, mongo_db: str, mongo: AsyncDatabase[Document]
) -> None:
    await mongo.people.insert_many([{"_id": f"p{n:04}", "n": n} for n in range(600)])
    shapes = Shapes()
    client: AsyncMongoClient[Document] = AsyncMongoClient(mongo_uri, event_listeners=[shapes])
    wanted = [f"p{n:04}" for n in range(600)] + ["missing"]
    try:
        docs = await find_by_ids(client[mongo_db].people, wanted, keep=lambda d: d["n"] % 2 == 0)
        sent = dict(shapes.seen)
    finally:
        await client.close()

    assert [d["_id"] for d in docs] == [f"p{n:04}" for n in range(0, 600, 2)]
    assert sent == {"find people {_id}": 601}


async def test_the_relay_takes_a_new_pairings_first_event_as_stored_without_reading_it_back(
    mongo_uri: str, mongo_db: str, mongo: AsyncDatabase[Document]
) -> None:
    commands = Commands()
    client: AsyncMongoClient[Document] = AsyncMongoClient(mongo_uri, event_listeners=[commands])
    pairings = MongoPairings(client[mongo_db])
    records = [pairing(f"pr-{i}", program="a", older=f"o{i}") for i in range(3)]
    try:
        for record in records:
            assert await pairings.create(record, event_for(record, "proposed", correlation_id=None))
        taken = await pairings.unpublished("a", [r.id for r in records])
    finally:
        await client.close()

    assert commands.sent[("find", "pairings")] == 0
    as_stored = await MongoPairings(mongo).unpublished("a", [r.id for r in records])
    assert sorted(taken, key=lambda u: u.pairing_id) == as_stored


async def test_a_pairing_changed_after_its_creation_is_relayed_with_every_entry_it_stored(
    pairings: MongoPairings,
) -> None:
    record = pairing("pr-1", program="a")
    await pairings.create(record, event_for(record, "proposed", correlation_id=None))
    change = lifecycle.cancel(record.status, "constraint_broken", "same department")
    assert change is not None
    cancelled = record.with_status(change.status, now=NOW)
    event = event_for(cancelled, "cancelled", correlation_id=None)
    assert await pairings.save(cancelled, expected_sequence=0, event=event)

    [pending] = await pairings.unpublished("a", ["pr-1"])
    assert [h["event_type"] for _, h in pending.payloads] == [
        "pairing.proposed",
        "pairing.cancelled",
    ]


async def test_a_pairing_relayed_with_its_whole_program_is_not_relayed_again(
    pairings: MongoPairings,
) -> None:
    record = pairing("pr-1", program="a")
    await pairings.create(record, event_for(record, "proposed", correlation_id=None))
    [whole] = await pairings.unpublished("a")  # a take-over's relay, before the step's
    await pairings.mark_published({"pr-1": [h["event_id"] for _, h in whole.payloads]})

    assert await pairings.unpublished("a", ["pr-1"]) == []


async def test_a_pairing_of_another_program_is_not_relayed_for_this_one(
    pairings: MongoPairings,
) -> None:
    record = pairing("pr-1", program="b")
    await pairings.create(record, event_for(record, "proposed", correlation_id=None))

    assert await pairings.unpublished("a", ["pr-1"]) == []
