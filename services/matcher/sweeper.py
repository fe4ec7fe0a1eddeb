"""Finds time-driven work and hands it to the owner of the program.

Any replica may sweep (duplicates are harmless: the owner's step is idempotent); it never changes a
pairing itself, it only publishes `ProgramDue` for programs that have a proposal past its expiry or
an outbox entry left unpublished (by a crash) for a while.
"""

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta

import structlog
from aiokafka.errors import KafkaError

from shared.envelope import utc_now
from shared.mongo import StoreUnavailable

from .store import PairingStore
from .work import Forward, MatchWork, ProgramDue, Work

log = structlog.get_logger(__name__)


class Sweeper:
    def __init__(
        self,
        pairings: PairingStore,
        forward: Forward,
        *,
        stuck_after: timedelta,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._pairings, self._forward = pairings, forward
        self._stuck_after, self._clock = stuck_after, clock

    async def sweep(self) -> list[str]:
        now = self._clock()
        due = await self._pairings.due_programs(now=now, stuck_before=now - self._stuck_after)
        for program_id in sorted(due):
            work = MatchWork(
                producer="matcher", data=Work(program_id=program_id, item=ProgramDue())
            )
            await self._forward(work)
        return sorted(due)

    async def run(self, *, every: float) -> None:
        while True:
            await asyncio.sleep(every)
            try:
                if due := await self.sweep():
                    log.info("programs_due", programs=len(due))
            except (StoreUnavailable, KafkaError) as exc:
                log.warning("sweep_failed", error=type(exc).__name__)
