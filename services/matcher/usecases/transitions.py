"""Applying one lifecycle change of a pairing: store it with its event, then tell the engine.

The order matters: the conditional write comes first (if it fails, another replica moved the
pairing on, and the step is abandoned with `StaleProgram`); only then are the engine's locks and
blocks and the people's slots updated.
"""

from datetime import datetime, timedelta

import structlog

from services.matcher import metrics
from services.matcher.core import lifecycle
from services.matcher.core.errors import StaleProgram
from services.matcher.usecases.messages import event_for
from services.matcher.usecases.ports import PairingRecord, PairingStore, SlotGuard
from services.matcher.usecases.program import Program, Step

log = structlog.get_logger(__name__)


class Transitions:
    def __init__(
        self, pairings: PairingStore, slots: SlotGuard, *, orphan_slot_after: timedelta
    ) -> None:
        self._pairings, self._slots, self._orphan_after = pairings, slots, orphan_slot_after

    async def apply(
        self,
        program: Program,
        step: Step,
        record: PairingRecord,
        change: lifecycle.Change | None,
        *,
        correlation_id: str | None = None,
    ) -> PairingRecord | None:
        """Store one lifecycle change with its event, then tell the engine; returns the
        pairing as it now is (None: no change)."""
        if change is None:
            return None
        updated = record.with_status(change.status, now=step.now)
        correlation = correlation_id or step.correlation_id
        event = (
            event_for(updated, change.emits, correlation_id=correlation) if change.emits else None
        )
        if not await self._pairings.save(updated, expected_sequence=record.sequence, event=event):
            raise StaleProgram(program.id)
        step.touched.add(updated.id)
        metrics.TRANSITIONS.labels(updated.state.value).inc()
        log.info("pairing_changed", pairing_id=updated.id, state=updated.state.value)
        if change.status.live:
            program.update(updated)
            return updated
        program.release(updated)
        if updated.slots:
            await self._slots.release(updated.id, updated.slots)
        else:
            await self._slots.release_pairing(updated.id)
        return updated

    async def release_orphan_slots(self, program: Program, now: datetime) -> None:
        """Free slots left by a crash between claiming and creating a pairing, or between ending
        a pairing and releasing them. A fresh claim without its pairing may still be in flight."""
        for slot in await self._slots.of_program(program.id):
            if slot.pairing_id in program.live:
                continue
            record = await self._pairings.get(slot.pairing_id)
            if record is None and slot.claimed_at > now - self._orphan_after:
                continue
            if record is None or not record.status.live:
                await self._slots.release(slot.pairing_id, [slot.id])
