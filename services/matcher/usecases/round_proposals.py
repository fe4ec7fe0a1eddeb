"""A round's plan proposed in batches, with the steps of a single proposal (`proposals`).

Per chunk of the plan: one batch claims the two slots each pair expects to be free
(`SlotGuard.claim_each`), then one batch creates the pairings whose both slots are held
(`PairingStore.create_each`); only then are those pairs locked in the engine. A pairing whose id
exists already is handled as a single proposal's is. A pair that did not get a slot it expected
(a collision: another replica, or the continuous path) is then proposed alone, as it would have
been before: its slot found by a read, or none, and then the slot it got is freed and the pair is
not proposed. A crash between the two batches leaves slots without a pairing: a resumed round
finds them held by the very pairings it plans (their ids are deterministic), and otherwise the
orphan sweep frees them.
"""

import asyncio
from collections.abc import Coroutine, Iterable
from typing import Any, TypeVar

from services.matcher.core.scoring import ScoredPair
from services.matcher.usecases.ports import SlotClaim, pairing_id, slot_id
from services.matcher.usecases.program import Program, Step
from services.matcher.usecases.proposals import Opened, Proposer
from shared.settled import settled

CHUNK = 500
"""Pairs per batch: 1,000 slots in one insert, then up to 500 pairings in another."""
IN_FLIGHT = 2
"""Chunks at once: one builds its documents (the process's CPU) while the store writes
another's."""
T = TypeVar("T")


async def open_all(
    proposer: Proposer, program: Program, step: Step, pairs: list[ScoredPair]
) -> list[Opened]:
    """Propose these pairs (a round's plan) as they are, without asking the engine again, in
    plan order. Each person's slots are handed out in plan order, past those their live
    pairings hold, so a claim normally finds its slot free at the first insert."""
    hints = slot_hints(program, pairs)
    limit = asyncio.Semaphore(IN_FLIGHT)

    async def chunk(start: int) -> list[Opened]:
        end = start + CHUNK
        async with limit:
            return await _open_chunk(proposer, program, step, pairs[start:end], hints[start:end])

    chunks = await _each(chunk(start) for start in range(0, len(pairs), CHUNK))
    return [outcome for outcomes in chunks for outcome in outcomes]


async def _open_chunk(
    proposer: Proposer,
    program: Program,
    step: Step,
    pairs: list[ScoredPair],
    hints: list[tuple[int, int]],
) -> list[Opened]:
    claims = [
        SlotClaim(slot_id(person, k), pairing_id(program.id, p.younger_id, p.older_id), program.id)
        for p, ks in zip(pairs, hints, strict=True)
        for person, k in zip((p.younger_id, p.older_id), ks, strict=True)
    ]
    held = await proposer.slots.claim_each(claims)
    both = [i for i in range(len(pairs)) if held[2 * i] and held[2 * i + 1]]
    slots = {i: [claims[2 * i].slot_id, claims[2 * i + 1].slot_id] for i in both}
    records = [proposer.record(program, step, pairs[i], slots[i]) for i in both]
    stored = await proposer.pairings.create_each([(r, proposer.event(r, step)) for r in records])
    found: dict[int, Opened] = {}
    existing = []
    for i, record, done in zip(both, records, stored, strict=True):
        if done:
            proposer.opened(program, step, record)
        else:
            existing.append(record)
        found[i] = "opened" if done else "exists"
    await _each(proposer.existing(program, record) for record in existing)
    alone = [i for i in range(len(pairs)) if i not in found]
    outcomes = await _each(proposer.open(program, step, pairs[i], first=hints[i]) for i in alone)
    found |= dict(zip(alone, outcomes, strict=True))
    return [found[i] for i in range(len(pairs))]


async def _each(calls: Iterable[Coroutine[Any, Any, T]]) -> list[T]:
    """Run these calls together; a failure is raised only once every one has finished, so
    nothing of a failed round is still writing when its redelivery starts."""
    return await settled(*calls)


def slot_hints(program: Program, pairs: list[ScoredPair]) -> list[tuple[int, int]]:
    """Per pair, the slot of the younger and of the older person to try first: the lowest one
    that neither a live pairing nor an earlier pair of the plan takes. The same program and
    plan give the same hints, so a round resumed after a restart normally finds the slots its
    first try claimed (and any other is found by `SlotGuard.claim` after a read)."""
    taken: dict[str, set[str]] = {}
    hints = []
    for pair in pairs:
        ks = []
        for person_id in (pair.younger_id, pair.older_id):
            if (mine := taken.get(person_id)) is None:
                mine = taken[person_id] = {s for r in program.live_of(person_id) for s in r.slots}
            capacity = program.members[person_id].max_pairings
            k = next((k for k in range(capacity) if slot_id(person_id, k) not in mine), 0)
            mine.add(slot_id(person_id, k))
            ks.append(k)
        hints.append((ks[0], ks[1]))
    return hints
