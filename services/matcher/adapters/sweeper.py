"""Finds time-driven work and hands it to the owner of the program.

Any replica may sweep (duplicates are harmless: the owner's step is idempotent); it never changes a
pairing itself, it only publishes `ProgramDue` for programs that have a proposal past its expiry,
a follow-up due (a reminder, a check-in, a nudge, the program's end: `followups_due`; only that
is `why="followups"`, which spares the owner the upkeep's scans), an outbox entry left
unpublished (by a crash) for a while, or a slot that has just become old
enough to be released if its pairing was never created (a crash between claiming the slot and
creating the pairing). The owner's step then releases such a slot, and the person is proposed
again. Only claims that crossed that age and were not swept yet are looked at (the store forgets
them once they made their program due), so each claim makes its program due once, not on every
sweep.
"""

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta

import structlog
from aiokafka.errors import KafkaError

from services.matcher.usecases.followup_ports import FollowupStore
from services.matcher.usecases.ports import PairingStore, SlotGuard
from services.matcher.usecases.work import DueWhy, Forward, MatchWork, ProgramDue, Work
from shared.envelope import utc_now
from shared.errors import StoreUnavailable

log = structlog.get_logger(__name__)


class Sweeper:
    def __init__(
        self,
        pairings: PairingStore,
        slots: SlotGuard,
        forward: Forward,
        *,
        stuck_after: timedelta,
        orphan_after: timedelta,
        window: timedelta,
        clock: Callable[[], datetime] = utc_now,
        followups: FollowupStore | None = None,
    ) -> None:
        """`window`: how far back to look for slots that crossed `orphan_after` (a few sweep
        intervals, so that a late or failed sweep misses none)."""
        self._pairings, self._slots, self._forward = pairings, slots, forward
        self._followups = followups
        self._stuck_after, self._orphan_after, self._window = stuck_after, orphan_after, window
        self._clock = clock

    async def sweep(self) -> list[str]:
        now = self._clock()
        due = await self._pairings.due_programs(now=now, stuck_before=now - self._stuck_after)
        old_enough = now - self._orphan_after
        due |= await self._slots.programs_claimed_between(
            since=old_enough - self._window, until=old_enough
        )
        followed = set()
        if self._followups is not None:
            followed = await self._followups.due_programs(now=now) - due
        for program_id in sorted(due | followed):
            why: DueWhy = "followups" if program_id in followed else "upkeep"
            item = ProgramDue(why=why)
            await self._forward(
                MatchWork(producer="matcher", data=Work(program_id=program_id, item=item))
            )
        await self._slots.claims_swept()  # only now: a failed sweep counts them again
        return sorted(due | followed)

    async def run(self, *, every: float) -> None:
        while True:
            await asyncio.sleep(every)
            try:
                if due := await self.sweep():
                    log.info("programs_due", programs=len(due))
            except (StoreUnavailable, KafkaError) as exc:
                log.warning("sweep_failed", error=type(exc).__name__)
