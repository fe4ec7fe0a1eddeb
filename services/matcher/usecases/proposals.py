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
from services.matcher.usecases.ports import PairingRecord, PairingStore, SlotGuard, pairing_id
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
        """Propose these pairs (a round's plan) as they are, without asking the engine again."""
        opened = (self._open(program, step, p, limit=self._round_limit) for p in pairs)
        return list(await asyncio.gather(*opened))

    async def _open(
        self,
        program: Program,
        step: Step,
        pair: ScoredPair,
        *,
        limit: asyncio.Semaphore | None = None,
    ) -> Opened:
        younger, older = program.members[pair.younger_id], program.members[pair.older_id]
        pid = pairing_id(program.id, younger.id, older.id)
        async with limit or self._limit:
            claimed: list[str] = []
            for person in (younger, older):
                slot = await self._slots.claim(
                    person.id, person.max_pairings, pairing_id=pid, program_id=program.id
                )
                if slot is None:
                    await self._slots.release(pid, claimed)
                    log.warning("no_free_slot", pairing_id=pid, person_id=person.id)
                    return "no_slot"
                claimed.append(slot)
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
                await self._slots.release(pid, claimed)
                program.release(record)
                return "exists"
        program.lock(record)
        step.touched.add(pid)
        metrics.TRANSITIONS.labels(record.state.value).inc()
        log.debug("pairing_proposed", pairing_id=pid, program_id=program.id, score=pair.score)
        return "opened"
