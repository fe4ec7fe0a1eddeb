"""Programs matched in rounds and continuously with a settle window, with in-memory stores and
the real engine: a round runs at its scheduled time or on command, once, whatever restarts or
replicas; a preview shows the pairs the round then proposes; late joiners wait for the next
round; a policy change counts from the next round; newcomers wait for the settle window."""

import asyncio
import json
import random
from datetime import datetime, timedelta
from typing import Any

import pytest

from deploy.demo import SAMPLE
from services.matcher.adapters.round_clock import RoundClock
from services.matcher.core.policy import Policy
from services.matcher.engine.engine import MatchingEngine
from services.matcher.engine.plan import plan
from services.matcher.engine.rounds import SolveStats
from services.matcher.usecases.ports import PairingRecord
from services.matcher.usecases.preview import preview_round
from services.matcher.usecases.round_log import RoundRecord, round_id
from services.matcher.usecases.work import MatchWork, RoundDue, SettleDue, Work
from shared.envelope import Envelope
from shared.profile import ProfileSnapshot
from tests.builders.matcher import PROGRAM, old, young
from tests.builders.programs import program_snapshot
from tests.fakes.matcher import FakePairings, FakeRounds, RecordingForward
from tests.unit.matcher.test_step import World, changed, step

DATES = {
    "enrolment_opens": "2026-02-01",
    "enrolment_closes": "2026-03-01",
    "starts_on": "2026-03-02",
    "ends_on": "2026-08-31",
}


def record(world: World, *, version: int = 1, **fields: Any) -> None:
    """Give the program a record (its settings), as `programs.changes.v1` would."""
    fields = {"schedule": {"mode": "rounds"}, "policy": {}} | DATES | fields
    world.programs.records[PROGRAM] = program_snapshot(PROGRAM, version=version, **fields)


def rounds_world(*people: ProfileSnapshot) -> World:
    world = World(*people)
    record(world)
    return world


def round_due(rid: str = f"{PROGRAM}@cmd-1", at: datetime | None = None) -> list[MatchWork]:
    item = RoundDue(round_id=rid, scheduled_for=at)
    return [MatchWork(producer="test", data=Work(program_id=PROGRAM, item=item))]


def people_of(world: World) -> list[str]:
    return sorted(p for pair in world.proposed_pairs() for p in pair)


def crafts(n: int) -> list[ProfileSnapshot]:
    """n pairs that fit only each other (y<i> with o<i>)."""
    return [p for i in range(n) for p in (young(f"y{i}", f"c{i}"), old(f"o{i}", f"c{i}"))]


async def test_in_rounds_nobody_is_proposed_until_a_round_runs_on_command() -> None:
    world = rounds_world(*crafts(3))
    replica = world.replica()

    await step(replica, changed("y0", "o0", "y1", "o1", "y2", "o2"))
    assert world.proposed_pairs() == []

    await step(replica, round_due())

    assert sorted(world.proposed_pairs()) == [("y0", "o0"), ("y1", "o1"), ("y2", "o2")]
    record = world.rounds.records[f"{PROGRAM}@cmd-1"]
    assert (record.state, record.proposed, record.members) == ("done", 3, 6)


async def test_a_round_runs_at_its_scheduled_time_in_the_program_timezone() -> None:
    world = World(*crafts(2))
    at = {"mode": "rounds", "rounds_at": ["2026-03-02T13:30:00"]}  # 12:30 UTC
    record(world, timezone="Europe/Berlin", schedule=at)
    forward = RecordingForward()
    clock = RoundClock(
        world.directory.with_records,
        world.rounds,
        forward,
        catch_up=timedelta(hours=1),
        clock=lambda: world.now,
    )
    replica = world.replica()
    await step(replica, changed("y0", "o0", "y1", "o1"))

    world.now = datetime.fromisoformat("2026-03-02T12:29:59+00:00")
    assert await clock.tick() == []
    world.now = datetime.fromisoformat("2026-03-02T12:30:00+00:00")
    [asked] = await clock.tick()
    await step(replica, forward.sent)

    assert asked == round_id(PROGRAM, world.now) == f"{PROGRAM}@2026-03-02T12:30Z"
    assert sorted(world.proposed_pairs()) == [("y0", "o0"), ("y1", "o1")]
    world.now += timedelta(minutes=5)
    assert await clock.tick() == []  # done: not asked again


async def test_a_round_asked_for_twice_runs_once() -> None:
    world = rounds_world(*crafts(1))
    replica = world.replica()
    await step(replica, changed("y0", "o0"))

    await step(replica, round_due())
    await step(replica, round_due() + round_due())

    assert world.proposed_pairs() == [("y0", "o0")]
    assert world.rounds.planned == [f"{PROGRAM}@cmd-1"]


async def test_a_late_joiner_waits_for_the_next_round() -> None:
    world = rounds_world(*crafts(2)[:3])
    replica = world.replica()
    await step(replica, changed("y0", "o0", "y1"))
    await step(replica, round_due(f"{PROGRAM}@cmd-1"))

    world.people.people["o1"] = old("o1", "c1")  # joins after the round
    await step(replica, changed("o1"))
    assert world.proposed_pairs() == [("y0", "o0")]

    await step(replica, round_due(f"{PROGRAM}@cmd-2"))
    assert world.proposed_pairs() == [("y0", "o0"), ("y1", "o1")]


async def test_a_preview_shows_the_pairs_the_round_then_proposes_and_who_is_left_and_why() -> None:
    lonely = young("y-lonely", languages=["fi"])
    world = rounds_world(*crafts(3), old("o-extra", "c0", birth_year=1975), lonely)
    replica = world.replica()
    everyone = [p.id for p in world.people.people.values()]
    await step(replica, changed(*everyone))

    preview = await preview_round(
        PROGRAM,
        people=world.people,
        pairings=world.pairings,
        settings_for=world.directory.settings_for,
    )
    await step(replica, round_due())

    shown = [(p.younger_id, p.older_id) for p in preview.pairs]
    assert sorted(shown) == sorted(world.proposed_pairs())
    assert world.rounds.records[f"{PROGRAM}@cmd-1"].pairs == shown
    assert all(p.explanation.summary for p in preview.pairs)
    assert preview.total == pytest.approx(sum(p.score for p in preview.pairs))
    assert preview.members == 8
    reasons = {o.person_id: o.reason for o in preview.left_out}
    assert reasons["y-lonely"].startswith("no feasible partner: no shared language")
    assert reasons["o-extra"].startswith("capacity:")
    assert set(reasons) == {"y-lonely", "o-extra"}


class CrashingPairings(FakePairings):
    """Creates `survive` pairings, then fails like a process dying in the middle of a round."""

    def __init__(self, survive: int) -> None:
        super().__init__()
        self.survive = survive

    async def create(self, record: PairingRecord, event: Envelope) -> bool:
        if self.survive <= 0:
            raise ConnectionError("the process died")
        self.survive -= 1
        return await super().create(record, event)


async def test_a_restart_in_the_middle_of_a_round_finishes_its_plan_without_solving_again() -> None:
    world = rounds_world(*crafts(4))
    crashing = CrashingPairings(survive=1)
    world.pairings = crashing
    first = world.replica()
    await step(first, changed(*[p.id for p in world.people.people.values()]))
    with pytest.raises(ConnectionError):
        await step(first, round_due())
    [planned] = world.rounds.records.values()
    assert planned.state == "planned" and len(crashing.docs) == 1

    crashing.survive = 100
    await step(world.replica(), round_due())  # the redelivered round, on a restarted replica

    assert world.rounds.planned == [planned.id]  # solved once
    assert sorted(world.proposed_pairs()) == sorted(planned.pairs)
    assert len(people_of(world)) == len(set(people_of(world))) == 8
    assert world.rounds.records[planned.id].state == "done"


class InterleavedRounds(FakeRounds):
    """Lets the other replica run between reading and storing a plan."""

    async def plan(self, record: RoundRecord) -> bool:
        await asyncio.sleep(0)
        return await super().plan(record)


async def test_two_replicas_running_the_same_round_propose_everyone_once() -> None:
    world = rounds_world(*crafts(3), old("o-extra", "c0"))
    world.rounds = InterleavedRounds()
    a, b = world.replica(), world.replica()
    everyone = [p.id for p in world.people.people.values()]
    await step(a, changed(*everyone))
    await step(b, changed(*everyone))

    await asyncio.gather(step(a, round_due()), step(b, round_due()))

    assert world.rounds.planned == [f"{PROGRAM}@cmd-1"]
    assert len(people_of(world)) == len(set(people_of(world))) == 6
    assert len(world.pairings.docs) == 3


async def test_a_policy_change_between_rounds_counts_from_the_next_round() -> None:
    near = old("o-near", "c0", birth_year=1983)  # 15 years older than y0
    world = rounds_world(young("y0", "c0"), near)
    record(world, policy={"min_birth_year_gap": 20})
    replica = world.replica()
    await step(replica, changed("y0", "o-near"))
    await step(replica, round_due(f"{PROGRAM}@cmd-1"))
    assert world.proposed_pairs() == []

    record(world, version=2, policy={"min_birth_year_gap": 10})
    await step(replica, round_due(f"{PROGRAM}@cmd-2"))

    assert world.proposed_pairs() == [("y0", "o-near")]


async def test_in_continuous_mode_a_newcomer_waits_for_the_settle_window() -> None:
    world = World(*crafts(2))
    record(world, schedule={"mode": "continuous", "settle_minutes": 2})
    replica = world.replica()

    await step(replica, changed("y0", "o0"))
    world.now += timedelta(minutes=1)
    await step(replica, changed("y1", "o1"))
    assert world.proposed_pairs() == []
    assert {at for _, at in world.wake.asked} == {world.now + timedelta(minutes=1)}

    world.now += timedelta(minutes=1)
    settle = MatchWork(producer="test", data=Work(program_id=PROGRAM, item=SettleDue()))
    await step(replica, [settle])

    assert sorted(world.proposed_pairs()) == [("y0", "o0"), ("y1", "o1")]


def test_the_same_cohort_enrolled_again_under_new_ids_gets_the_same_pairs() -> None:
    """The profiles API gives people new ids each time they are enrolled; the sample's EMEA
    program has tied optima, which ids alone would break differently run by run."""
    rows = [json.loads(line) for line in SAMPLE.read_text().splitlines() if line.strip()]
    emea = [row for row in rows if row["program_id"] == "emea-2027"]
    found = []
    for seed in range(6):
        rng = random.Random(seed)
        new_id = {row["id"]: f"api-{rng.getrandbits(64):016x}" for row in emea}
        engine = MatchingEngine(Policy())
        for row in emea:
            stamp = {"id": new_id[row["id"]], "version": 1, "updated_at": world_now()}
            engine.upsert(ProfileSnapshot.model_validate(row | stamp))
        email = {new_id[row["id"]]: row["email"] for row in emea}
        pairs = plan(engine.solve_input(), SolveStats())
        found.append({(email[p.younger_id], email[p.older_id]) for p in pairs})

    assert all(pairs == found[0] for pairs in found)
    assert len(found[0]) == 38


def world_now() -> datetime:
    return World().now
