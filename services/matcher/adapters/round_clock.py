"""Starts scheduled rounds, and wakes continuous programs when their settle window ends.

`RoundClock.tick` looks at every program with a record matched in rounds: each scheduled time
(`ProgramSettings.next_round_after`, in the program's timezone) in the last `catch_up` (so a replica down at the time still starts it later) whose round is not recorded
done gets a `RoundDue` on the work topic, keyed by the program, for its owner. Any replica may
tick: the owner runs a round once however often it is asked (`usecases.rounds`). The clock is
injected, so tests move time by hand.

`Timers` is the `Wake` of the step: one timer per program, which forwards a `SettleDue`.
"""

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

import structlog
from aiokafka.errors import KafkaError

from services.matcher.core.program_settings import ProgramSettings
from services.matcher.usecases.round_log import RoundStore, round_id
from services.matcher.usecases.work import Forward, MatchWork, RoundDue, SettleDue, Work
from shared.envelope import utc_now
from shared.errors import StoreUnavailable

log = structlog.get_logger(__name__)
PRODUCER = "matcher"


class RoundClock:
    def __init__(
        self,
        programs: Callable[[], Awaitable[list[ProgramSettings]]],
        rounds: RoundStore,
        forward: Forward,
        *,
        catch_up: timedelta,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._programs, self._rounds, self._forward = programs, rounds, forward
        self._catch_up, self._clock = catch_up, clock

    async def tick(self) -> list[str]:
        """Ask for every due round not yet done; returns their ids."""
        now, asked = self._clock(), []
        for program in await self._programs():
            for at in _due(program, after=now - self._catch_up, until=now):
                rid = round_id(program.program_id, at)
                record = await self._rounds.get(rid)
                if record is None or record.state != "done":
                    item = RoundDue(round_id=rid, scheduled_for=at)
                    work = Work(program_id=program.program_id, item=item)
                    await self._forward(MatchWork(producer=PRODUCER, data=work))
                    asked.append(rid)
        return asked

    async def run(self, *, every: float) -> None:
        while True:
            try:
                if asked := await self.tick():
                    log.info("rounds_due", rounds=asked)
            except (StoreUnavailable, KafkaError) as exc:
                log.warning("round_tick_failed", error=type(exc).__name__)
            await asyncio.sleep(every)


def _due(program: ProgramSettings, *, after: datetime, until: datetime) -> list[datetime]:
    """The program's scheduled rounds in (after, until]."""
    found: list[datetime] = []
    at = program.next_round_after(after) if program.in_rounds else None
    while at is not None and at <= until:
        found.append(at)
        at = program.next_round_after(at)
    return found


class Timers:
    """One pending wake-up per program; asking again for the same or a later time changes
    nothing, an earlier time replaces it."""

    def __init__(self, forward: Forward, *, clock: Callable[[], datetime] = utc_now) -> None:
        self._forward, self._clock = forward, clock
        self._pending: dict[str, tuple[datetime, asyncio.TimerHandle]] = {}
        self._sent: set[asyncio.Task[None]] = set()

    def __call__(self, program_id: str, at: datetime) -> None:
        current = self._pending.get(program_id)
        if current is not None and current[0] <= at:
            return
        if current is not None:
            current[1].cancel()
        delay = max((at - self._clock()).total_seconds(), 0.0)
        handle = asyncio.get_running_loop().call_later(delay, self._fire, program_id)
        self._pending[program_id] = (at, handle)

    def _fire(self, program_id: str) -> None:
        self._pending.pop(program_id, None)
        work = MatchWork(producer=PRODUCER, data=Work(program_id=program_id, item=SettleDue()))
        task = asyncio.create_task(self._send(work))
        self._sent.add(task)
        task.add_done_callback(self._sent.discard)

    async def _send(self, work: MatchWork) -> None:
        try:
            await self._forward(work)
        except KafkaError as exc:  # the next change, or a take-over, starts the window again
            log.warning("settle_wake_failed", program_id=work.data.program_id, error=str(exc))

    def cancel(self) -> None:
        for _, handle in self._pending.values():
            handle.cancel()
        self._pending.clear()
