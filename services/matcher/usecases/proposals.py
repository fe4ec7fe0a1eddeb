"""Turning the engine's proposals into stored pairings, guarded by per-person slots.

For each proposed pair: claim a slot of each person, then create the pairing document with its
PairingProposed event. Only then is the pair locked in the engine. A pair whose id exists already
was proposed before (it is blocked forever), so it is blocked in the engine and the engine asked
again; a person without a free slot is paired elsewhere, so that pair waits for a later step.
Rounds and continuous steps both propose their pairs in batches (`round_proposals`) with the
same steps, and fall back to `open` for a pair whose slot a batch did not get.
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
from shared.envelope import Envelope

log = structlog.get_logger(__name__)

CONCURRENCY = 16

Opened = Literal["opened", "exists", "no_slot"]


class Proposer:
    def __init__(self, pairings: PairingStore, slots: SlotGuard, *, ttl: timedelta) -> None:
        self.pairings, self.slots, self._ttl = pairings, slots, ttl
        self.limit = asyncio.Semaphore(CONCURRENCY)

    async def open(
        self, program: Program, step: Step, pair: ScoredPair, *, first: tuple[int, int] = (0, 0)
    ) -> Opened:
        """Propose one pair: its slots (trying slot `first` of each person first), then its
        pairing."""
        younger, older = program.members[pair.younger_id], program.members[pair.older_id]
        pid = pairing_id(program.id, younger.id, older.id)
        async with self.limit:
            slots = await asyncio.gather(  # both in the same round trip
                *(
                    self.slots.claim(
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
                await self.slots.release(pid, claimed)
                person = younger if slots[0] is None else older
                log.warning("no_free_slot", pairing_id=pid, person_id=person.id)
                return "no_slot"
            record = self.record(program, step, pair, claimed)
            if not await self.pairings.create(record, self.event(record, step)):
                await self.existing(program, record)
                return "exists"
        self.opened(program, step, record)
        return "opened"

    def record(
        self, program: Program, step: Step, pair: ScoredPair, slots: list[str]
    ) -> PairingRecord:
        """The new pairing of a pair whose two slots are held."""
        younger, older = program.members[pair.younger_id], program.members[pair.older_id]
        change = lifecycle.propose(younger.id, older.id, now=step.now, ttl=self._ttl)
        return PairingRecord(
            id=pairing_id(program.id, younger.id, older.id),
            program_id=program.id,
            younger=participant(younger),
            older=participant(older),
            explanation=pair.explanation,
            state=change.status.state,
            proposed_at=step.now,
            expires_at=change.status.expires_at,
            updated_at=step.now,
            slots=slots,
        )

    def event(self, record: PairingRecord, step: Step) -> Envelope:
        return event_for(record, "proposed", correlation_id=step.correlation_id)

    def opened(self, program: Program, step: Step, record: PairingRecord) -> None:
        """The pairing is stored: its pair holds capacity in the engine."""
        program.lock(record)
        step.touched.add(record.id)
        metrics.TRANSITIONS.labels(record.state.value).inc()
        log.debug("pairing_proposed", pairing_id=record.id, program_id=program.id)

    async def existing(self, program: Program, record: PairingRecord) -> None:
        """The pairing's id was stored before: free the slots just claimed for it that the
        stored one does not hold (a live one written by another replica running the same round
        keeps its own), and never propose the pair again."""
        stored = await self.pairings.get(record.id)
        kept = set(stored.slots) if stored is not None and stored.status.live else set()
        await self.slots.release(record.id, [slot for slot in record.slots if slot not in kept])
        program.release(record)
