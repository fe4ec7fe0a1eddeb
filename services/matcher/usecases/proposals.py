"""Turning the engine's proposals into stored pairings, guarded by per-person slots.

For each proposed pair: claim a slot of each person, then create the pairing document with its
PairingProposed event. Only then is the pair locked in the engine. A pair whose id exists already
was proposed before (it is blocked forever), so it is blocked in the engine and the engine asked
again; a person without a free slot is paired elsewhere, so that pair waits for a later step.
"""

import asyncio
from datetime import timedelta
from typing import Literal

import structlog

from services.matcher import metrics
from services.matcher.core import lifecycle
from services.matcher.core.scoring import ScoredPair
from services.matcher.usecases.messages import event_for, participant
from services.matcher.usecases.ports import (
    PairingRecord,
    PairingStore,
    SlotGuard,
    pairing_id,
    slot_id,
)
from services.matcher.usecases.program import Program, Step

log = structlog.get_logger(__name__)

ROUNDS = 3
CONCURRENCY = 16
ROUND_CONCURRENCY = 512
"""A round's proposals in flight at once: the store takes their inserts together."""

Opened = Literal["opened", "exists", "no_slot"]


class Proposer:
    def __init__(self, pairings: PairingStore, slots: SlotGuard, *, ttl: timedelta) -> None:
        self._pairings, self._slots, self._ttl = pairings, slots, ttl
        self._limit = asyncio.Semaphore(CONCURRENCY)
        self._round_limit = asyncio.Semaphore(ROUND_CONCURRENCY)

    async def propose(self, program: Program, step: Step) -> None:
        for _ in range(ROUNDS):
            with metrics.SOLVE_SECONDS.time():
                pairs = program.engine.propose()
            outcomes = await asyncio.gather(*(self._open(program, step, p) for p in pairs))
            if "exists" not in outcomes:
                return

    async def open_all(self, program: Program, step: Step, pairs: list[ScoredPair]) -> list[Opened]:
        """Propose these pairs (a round's plan) as they are, without asking the engine again.
        Each person's slots are handed out in plan order, past those their live pairings hold,
        so a claim normally finds its slot free at the first insert."""
        hints = slot_hints(program, pairs)
        opened = (
            self._open(program, step, p, limit=self._round_limit, first=hints[i])
            for i, p in enumerate(pairs)
        )
        # Every proposal has finished before a failure is raised: nothing of a failed round is
        # still writing when its redelivery starts.
        outcomes = await asyncio.gather(*opened, return_exceptions=True)
        found: list[Opened] = []
        for outcome in outcomes:
            if isinstance(outcome, BaseException):
                raise outcome
            found.append(outcome)
        return found

    async def _open(
        self,
        program: Program,
        step: Step,
        pair: ScoredPair,
        *,
        limit: asyncio.Semaphore | None = None,
        first: tuple[int, int] = (0, 0),
    ) -> Opened:
        younger, older = program.members[pair.younger_id], program.members[pair.older_id]
        pid = pairing_id(program.id, younger.id, older.id)
        async with limit or self._limit:
            slots = await asyncio.gather(  # both in the same round trip
                *(
                    self._slots.claim(
                        person.id,
                        person.max_pairings,
                        pairing_id=pid,
                        program_id=program.id,
                        first=k,
                    )
                    for person, k in zip((younger, older), first, strict=True)
                )
            )
            claimed = [slot for slot in slots if slot is not None]
            if len(claimed) < 2:
                await self._slots.release(pid, claimed)
                person = younger if slots[0] is None else older
                log.warning("no_free_slot", pairing_id=pid, person_id=person.id)
                return "no_slot"
            change = lifecycle.propose(younger.id, older.id, now=step.now, ttl=self._ttl)
            record = PairingRecord(
                id=pid,
                program_id=program.id,
                younger=participant(younger),
                older=participant(older),
                explanation=pair.explanation,
                state=change.status.state,
                proposed_at=step.now,
                expires_at=change.status.expires_at,
                updated_at=step.now,
                slots=claimed,
            )
            event = event_for(record, "proposed", correlation_id=step.correlation_id)
            if not await self._pairings.create(record, event):
                await self._slots.release(pid, await self._not_kept(pid, claimed))
                program.release(record)
                return "exists"
        program.lock(record)
        step.touched.add(pid)
        metrics.TRANSITIONS.labels(record.state.value).inc()
        log.debug("pairing_proposed", pairing_id=pid, program_id=program.id, score=pair.score)
        return "opened"

    async def _not_kept(self, pid: str, claimed: list[str]) -> list[str]:
        """Of the slots just claimed for a pairing that exists already, those it does not hold:
        a live one written by another replica running the same round keeps its own slots."""
        existing = await self._pairings.get(pid)
        kept = set(existing.slots) if existing is not None and existing.status.live else set()
        return [slot for slot in claimed if slot not in kept]


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
