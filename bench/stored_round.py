"""A round from the stored profiles through to the proposals written, on the local store.

    python -m bench.round_bench --quality "" --timing "" --stored 20000,100000

The people of `matcher_bench` are first written to a fresh database in the read model's layout
(not timed). Then the matcher's own step runs one round on the Mongo stores: it takes the
program over (reads its people, pairings and slots), solves once, records the plan and writes
every proposal (slots and pairings with their outbox). Publishing the outbox is left out (the
relay is a no-op here), so the figure ends where the proposals are written. Beside it, in the
same run: the solver alone (finding and scoring every feasible pair, and solving: `general`) on
the same people loaded the same way, and the store's floor: the raw read of the same people
documents (no decoding), and raw `insert_many`s of the very slot and pairing documents the round
wrote into empty collections with the same indexes (a second database), 1,000 to a command, one
command at a time. What the store alone needs says how close to the solver a round can get.
"""

import asyncio
import time
import uuid
from collections.abc import Collection
from datetime import timedelta

from pymongo.asynchronous.database import AsyncDatabase

from bench.matcher_bench import synthetic
from services.matcher.adapters.pairing_store import MongoPairings
from services.matcher.adapters.people_store import MongoPeople
from services.matcher.adapters.round_store import MongoRounds
from services.matcher.adapters.slot_store import MongoSlots
from services.matcher.adapters.stored_profiles import stored_profile
from services.matcher.core.policy import Policy
from services.matcher.core.program_settings import ProgramSettings
from services.matcher.engine.general import solve_general
from services.matcher.engine.rounds import SolveStats
from services.matcher.usecases.program import load_program
from services.matcher.usecases.step import ProgramMatcher
from services.matcher.usecases.work import MatchWork, RoundDue, Work
from shared.logging import configure_logging
from shared.mongo import Document, mongo_client
from shared.profile import ProfileSnapshot
from shared.programs import RoundsSchedule
from shared.settings import CommonSettings

CHUNK = 1000


class NoRelay:
    """The outbox is not published: the figure ends where the proposals are written."""

    async def flush(self, program_id: str, ids: Collection[str] | None = None) -> int:
        return 0


def _ignore(program_id: str, at: object) -> None:
    """No settle window in rounds mode."""


async def stored_round(n: int, seed: int) -> None:
    people = synthetic(n, seed)
    program = people[0].program_id
    client = mongo_client(CommonSettings().mongodb_uri)
    name = f"bench_round_{uuid.uuid4().hex[:8]}"
    db = client[name]
    try:
        started = time.perf_counter()
        for at in range(0, n, CHUNK):
            await db["people"].insert_many([_document(p) for p in people[at : at + CHUNK]])
        stored = time.perf_counter() - started
        print(f"{n:,} people stored in {stored:.1f} s ({n / stored:,.0f} a second)", flush=True)
        stores = MongoPeople(db), MongoPairings(db), MongoSlots(db), MongoRounds(db)
        for store in stores:
            await store.ensure_indexes()
        load, solver = await _solver_only(stores[0], stores[1], program)
        seconds, pairs = await _round(*stores, program)
        print(
            f"{n:,} people: a round from the stored profiles to the "
            f"proposals written {seconds:.1f} s ({pairs:,} pairs); the solver alone "
            f"{solver:.1f} s in the same run; ratio {seconds / solver:.2f}x. Reading the "
            f"program from the store and building its engine alone took {load:.1f} s",
            flush=True,
        )
        read, slots, pairings = await _store_floor(db, client[f"{name}_floor"], program)
        floor = read + slots + pairings
        print(
            f"{n:,} people: the store alone {floor:.1f} s (reading the people documents "
            f"{read:.1f} s, inserting the round's slots {slots:.1f} s and its pairings "
            f"{pairings:.1f} s); ratio to the solver alone {floor / solver:.2f}x",
            flush=True,
        )
    finally:
        await client.drop_database(name)
        await client.drop_database(f"{name}_floor")
        await client.close()


async def _store_floor(
    db: AsyncDatabase[Document], empty: AsyncDatabase[Document], program: str
) -> tuple[float, float, float]:
    """Seconds to read the program's people documents raw, then to insert the documents the
    round wrote (slots, then pairings) into empty collections with the stores' indexes."""
    started = time.perf_counter()
    people = [doc async for doc in db["people"].find({"program_id": program, "deleted": False})]
    read = time.perf_counter() - started
    assert people
    await MongoSlots(empty).ensure_indexes()
    await MongoPairings(empty).ensure_indexes()
    written = []
    for collection in ("slots", "pairings"):
        docs = [doc async for doc in db[collection].find({})]
        started = time.perf_counter()
        for at in range(0, len(docs), CHUNK):
            await empty[collection].insert_many(docs[at : at + CHUNK], ordered=False)
        written.append(time.perf_counter() - started)
    return read, written[0], written[1]


async def _solver_only(
    people: MongoPeople, pairings: MongoPairings, program: str
) -> tuple[float, float]:
    """Seconds to read the program and build its engine, and then to solve it alone."""
    started = time.perf_counter()
    loaded, _ = await load_program(program, people=people, pairings=pairings, policy=Policy())
    read = time.perf_counter()
    solve_general(loaded.engine.solve_input(), SolveStats())
    return read - started, time.perf_counter() - read


async def _round(
    people: MongoPeople,
    pairings: MongoPairings,
    slots: MongoSlots,
    rounds: MongoRounds,
    program: str,
) -> tuple[float, int]:
    async def settings_for(program_id: str) -> ProgramSettings:
        return ProgramSettings(program_id, Policy(), RoundsSchedule())

    matcher = ProgramMatcher(
        people=people,
        pairings=pairings,
        slots=slots,
        relay=NoRelay(),
        settings_for=settings_for,
        rounds=rounds,
        wake=_ignore,
        proposal_ttl=timedelta(days=7),
        orphan_slot_after=timedelta(minutes=2),
    )
    item = RoundDue(round_id=f"{program}@cmd-bench")
    work = MatchWork(producer="bench", data=Work(program_id=program, item=item))
    started = time.perf_counter()
    await matcher.step(program, [work])
    seconds = time.perf_counter() - started
    record = await rounds.get(item.round_id)
    assert record is not None and record.state == "done"
    return seconds, record.proposed


def _document(person: ProfileSnapshot) -> dict[str, object]:
    """As the read model stores a person (`adapters.people_store`)."""
    return {
        "_id": person.id,
        "version": person.version,
        "program_id": person.program_id,
        "previous_program_id": None,
        "deleted": False,
        "profile": stored_profile(person),
    }


def run(sizes: list[int], seed: int) -> None:
    configure_logging(service="bench", level="WARNING", json=True)  # no line per proposal
    for n in sizes:
        asyncio.run(stored_round(n, seed))
