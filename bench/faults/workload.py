"""The profile changes of a run: pure, from a seed, through both doors.

Each person comes in through one door for all their changes (the HTTP API or the ingress topic),
so the order of their changes is the order they were sent. Mixed in: exact duplicates (the same
ingress bytes again; the same PUT again), out-of-order updates (an ingress update older than one
already sent; a PUT with a stale `If-Match`), updates that break a live pair (no common hours
any more), deletes, and malformed messages on the ingress and response topics.
"""

import json
import random
import uuid
from dataclasses import dataclass, field, replace
from typing import Any, Literal

Door = Literal["api", "ingress"]
OpKind = Literal["create", "update", "delete", "duplicate", "stale", "malformed"]
YOUNG = {"vocabulary": ["social_media", "ai_tools", "content_creation"]}
OLD = {"vocabulary": ["strategy", "leadership", "negotiation"]}
EVENINGS = {
    "tue": [{"start": "17:00", "end": "20:00"}],
    "thu": [{"start": "18:00", "end": "20:00"}],
}
NO_OVERLAP = {"sun": [{"start": "06:00", "end": "07:00"}]}


@dataclass(frozen=True)
class Person:
    key: str  # the workload's name for them; the profile id for ingress people
    program: str
    door: Door
    fields: dict[str, Any]


@dataclass(frozen=True)
class Op:
    """One thing the driver sends at `at` seconds. `fields` is the whole profile to write;
    `tick` orders ingress commands in time (an older tick sent later is out of order);
    `raw` is a malformed message's bytes and `topic` which topic gets them."""

    at: float
    kind: OpKind
    person: str | None = None
    door: Door = "ingress"
    fields: dict[str, Any] | None = None
    tick: int = 0
    of: int | None = None  # a duplicate or stale op: the index of the op it repeats or undercuts
    raw: bytes | None = None
    topic: Literal["updates", "responses"] = "updates"


@dataclass(frozen=True)
class Workload:
    programs: list[str]
    people: list[Person]
    ops: list[Op] = field(default_factory=list)


def generate(seed: int, *, run: str, programs: int, per_program: int, seconds: float) -> Workload:
    rng = random.Random(f"workload:{seed}")
    names = [f"{run}-prog{i}" for i in range(programs)]
    people = [_person(rng, run, p, n) for p in names for n in range(per_program)]
    ops: list[Op] = []
    for person in people:
        ops += _script(rng, person, seconds, start=len(ops))
    ops += _malformed(rng, run, seconds)
    ordered = sorted(enumerate(ops), key=lambda pair: (pair[1].at, pair[0]))
    renumber = {old: new for new, (old, _) in enumerate(ordered)}
    ops = [_renumbered(op, renumber) for _, op in ordered]
    return Workload(programs=names, people=people, ops=ops)


def _renumbered(op: Op, renumber: dict[int, int]) -> Op:
    return op if op.of is None else replace(op, of=renumber[op.of])


def _person(rng: random.Random, run: str, program: str, n: int) -> Person:
    young = n % 2 == 0
    key = f"{program}-{n:03d}"
    fields = {
        "program_id": program,
        "name": f"Person {n:03d}",
        "email": f"{key}@example.org",
        "birth_year": rng.randint(1994, 2004) if young else rng.randint(1956, 1972),
        "languages": ["en"] if rng.random() < 0.7 else ["en", "de"],
        "timezone": "Europe/Berlin",
        "availability": EVENINGS,
        "skills_offered": YOUNG if young else OLD,
        "skills_wanted": OLD if young else YOUNG,
        "department": f"dept-{key}",
        "max_pairings": 1 if rng.random() < 0.7 else 2,
    }
    door: Door = "api" if rng.random() < 0.5 else "ingress"
    return Person(key=key, program=program, door=door, fields=fields)


def _script(rng: random.Random, person: Person, seconds: float, *, start: int) -> list[Op]:
    """One person's changes: a create early, then updates, some followed by an exact duplicate
    or by an older change sent late; sometimes a delete at the end. `of` counts from `start`."""
    at = rng.uniform(0, seconds * 0.4)
    who, door = person.key, person.door
    ops = [Op(at, "create", who, door, person.fields, tick=10)]
    tick = 10
    for revision in range(1, rng.choice((0, 1, 1, 2, 3)) + 1):
        at += rng.uniform(seconds * 0.03, seconds * 0.15)
        tick += 10
        ops.append(Op(at, "update", who, door, _changed(rng, person, revision), tick))
        last, roll = start + len(ops) - 1, rng.random()
        if roll < 0.3:
            ops.append(Op(at + 0.5, "duplicate", who, door, ops[-1].fields, tick, of=last))
        elif roll < 0.5:
            older = _changed(rng, person, revision * 100)
            ops.append(Op(at + 0.5, "stale", who, door, older, tick - 5, of=last))
    if rng.random() < 0.15:
        ops.append(Op(at + rng.uniform(5, seconds * 0.1), "delete", who, door, tick=tick + 10))
    return ops


def _changed(rng: random.Random, person: Person, revision: int) -> dict[str, Any]:
    fields = dict(person.fields, name=f"{person.fields['name']} r{revision}")
    if rng.random() < 0.2:
        fields["availability"] = NO_OVERLAP  # breaks any live pair: a cancel, then a new pair
    return fields


def _malformed(rng: random.Random, run: str, seconds: float) -> list[Op]:
    token = f"{run}-{rng.getrandbits(32):08x}"
    bodies: list[tuple[Literal["updates", "responses"], bytes]] = [
        ("updates", f"not json {token}-1 {{".encode()),
        (
            "updates",
            f'{{"event_type": "profile.update", "data": {{"op": "bogus", "t": "{token}-2"}}}}'.encode(),
        ),
        ("updates", b"\x00\xff" + f"{token}-3".encode()),
        ("updates", _invalid_value(rng, run, token)),
        ("responses", f"no answer {token}-4".encode()),
        (
            "responses",
            f'{{"event_type": "pairing.respond", "data": {{"decision": "maybe", "t": "{token}-5"}}}}'.encode(),
        ),
    ]
    return [Op(rng.uniform(0, seconds), "malformed", raw=raw, topic=topic) for topic, raw in bodies]


def _invalid_value(rng: random.Random, run: str, token: str) -> bytes:
    """A well-formed command whose profile fails validation: an unknown timezone."""
    person = _person(rng, run, f"{run}-prog0", 900)
    profile = dict(person.fields, timezone="Mars/Olympus_Mons", name=f"Bad {token}")
    command = {
        "event_id": str(uuid.UUID(int=rng.getrandbits(128))),
        "event_type": "profile.update",
        "schema_version": 1,
        "occurred_at": "2026-01-01T00:00:00Z",
        "producer": "faults",
        "data": {"op": "upsert", "profile_id": person.key, "profile": profile},
    }
    return json.dumps(command).encode()
