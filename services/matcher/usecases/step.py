"""One engine step for one program: apply a batch of work, cancel what broke, propose new pairs.

When it proposes depends on the program's schedule (`core.schedule`): in `rounds` mode only in
a round (`usecases.rounds`), in `continuous` mode once the settle window of the first waiting
change has passed (a `SettleDue` wakes the program then), or at once when the window is zero.

Runs only on the replica that owns the program's work partition (see `coordinator`). Every change
is written to the store (with its event, in the same document) before the engine is told, and if
anything fails the cached program is dropped and rebuilt from the store on the next attempt, so a
redelivered batch repeats nothing: proposals have deterministic ids and lifecycle changes are
conditional on the sequence they were computed from.
"""

import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from datetime import datetime, timedelta

import structlog

from services.matcher import metrics
from services.matcher.core import lifecycle
from services.matcher.core.policy import Policy
from services.matcher.core.program_settings import ProgramSettings
from services.matcher.usecases.followups import FollowupPorts, FollowUps
from services.matcher.usecases.ports import Outbox, PairingStore, PeopleStore, SlotGuard
from services.matcher.usecases.program import Program, Step, freeze_long_lived, load_program
from services.matcher.usecases.proposals import Proposer
from services.matcher.usecases.read_ahead import ReadAhead
from services.matcher.usecases.round_log import RoundStore
from services.matcher.usecases.rounds import Rounds, rounds_asked
from services.matcher.usecases.settle import Settled
from services.matcher.usecases.step_inputs import Inputs, departure
from services.matcher.usecases.transitions import Transitions
from services.matcher.usecases.work import MatchWork, PersonChanged, ProgramDue, Wake
from shared.envelope import utc_now
from shared.logging import bind_correlation

log = structlog.get_logger(__name__)


class ProgramMatcher:
    def __init__(
        self,
        *,
        people: PeopleStore,
        pairings: PairingStore,
        slots: SlotGuard,
        relay: Outbox,
        settings_for: Callable[[str], Awaitable[ProgramSettings]],
        rounds: RoundStore,
        wake: Wake,
        proposal_ttl: timedelta,
        orphan_slot_after: timedelta,
        clock: Callable[[], datetime] = utc_now,
        followups: FollowupPorts | None = None,
    ) -> None:
        """`wake(program, at)` brings a `SettleDue` for the program at `at`; without
        `followups` no reminder, check-in or program end is sent."""
        self._people, self._pairings, self._relay, self._slots = people, pairings, relay, slots
        self._settings_for, self._clock = settings_for, clock
        self._proposer = Proposer(pairings, slots, ttl=proposal_ttl)
        self._rounds = Rounds(rounds, self._proposer)
        self._settled = Settled(self._proposer, wake)
        self._changes = Transitions(pairings, slots, orphan_slot_after=orphan_slot_after)
        self._followups = FollowUps(followups, pairings, self._changes) if followups else None
        self._ahead = ReadAhead(people)
        self._inputs = Inputs(self._ahead, pairings, self._changes, self._followups)
        self._programs: dict[str, Program] = {}

    def pool_sizes(self) -> dict[str, int]:
        return {program_id: len(p.members) for program_id, p in self._programs.items()}

    def drop(self, program_ids: Iterable[str]) -> None:
        """Forget programs this replica no longer owns (or cannot trust); rebuilt when next seen."""
        program_ids = list(program_ids)
        self._ahead.forget(program_ids)
        for program_id in program_ids:
            self._programs.pop(program_id, None)
            metrics.POOL_SIZE.remove_program(program_id)

    async def recorded(self) -> None:
        """Wait until the events the steps published are recorded sent (before the programs are
        given up: their next owner would publish them again)."""
        await self._relay.recorded()

    def expect(self, work: Sequence[MatchWork]) -> None:
        """Work has arrived and waits for its step: start reading the people it names."""
        for item in work:
            if isinstance(item.data.item, PersonChanged):
                self._ahead.expect(item.data.program_id, [item.data.item.person_id])

    async def step(self, program_id: str, work: Sequence[MatchWork]) -> None:
        step, started = Step(self._clock(), _correlation(work)), time.perf_counter()
        due = any(isinstance(w.data.item, ProgramDue) and w.data.item.why == "upkeep" for w in work)
        bind_correlation(step.correlation_id)
        if any(w.data.item.kind == "settings" for w in work):
            self.drop([program_id])  # rebuilt below with the program's new policy
        try:
            settings = await self._settings_for(program_id)
            program = await self._program(settings, step)
            await self._inputs.apply(program, step, work, settings)
            if due:
                await self._changes.release_orphan_slots(program, step.now)
            for record in list(program.live.values()):
                await self._changes.apply(
                    program, step, record, lifecycle.expire(record.status, now=step.now)
                )
            await self._cancel_broken(program, step)
            if self._followups is not None:
                await self._followups.run(program, step, settings)
            if not (self._followups and self._followups.ended(settings, step.now)):
                await self._propose(program, step, settings, work)
            if self._followups is not None:
                await self._followups.schedule(program, step, settings)
            await self._relay.flush(program_id, None if due else step.touched)
        except BaseException:
            self._slots.claims_unsure(program_id)
            self.drop([program_id])
            raise
        await self._slots.claims_kept(program_id)
        metrics.POOL_SIZE.labels(program_id).set(len(program.members))
        log.info(
            "program_stepped",
            program_id=program_id,
            items=len(work),
            changed_pairings=len(step.touched),
            seconds=round(time.perf_counter() - started, 3),
        )

    async def _propose(
        self, program: Program, step: Step, settings: ProgramSettings, work: Sequence[MatchWork]
    ) -> None:
        for round_due in rounds_asked(work):
            await self._rounds.run(program, step, round_due)
        if not settings.in_rounds:
            await self._settled.propose(program, step, settings.settle)

    async def _program(self, settings: ProgramSettings, step: Step) -> Program:
        """The cached program, or the program rebuilt from the store when it is not cached or
        its policy changed (a round after a policy change solves under the new one)."""
        program = self._programs.get(settings.program_id)
        if program is None or program.engine.policy != settings.policy:
            self._ahead.forget([settings.program_id])  # read after the build instead
            program = await self._take_over(settings.program_id, settings.policy, step)
            self._programs[settings.program_id] = program
        return program

    async def _take_over(self, program_id: str, policy: Policy, step: Step) -> Program:
        program, stranded = await load_program(
            program_id, people=self._people, pairings=self._pairings, policy=policy
        )
        log.info("program_taken_over", program_id=program_id, members=len(program.members))
        found = await self._people.many({p for r in stranded for p in (r.younger.id, r.older.id)})
        for record in stranded:
            gone = next(p for p in (record.younger.id, record.older.id) if p not in program.members)
            why = departure(gone, found.get(gone), program_id)
            await self._changes.apply(program, step, record, lifecycle.cancel(record.status, *why))
        await self._changes.release_orphan_slots(program, step.now)
        await self._relay.flush(program_id)  # whatever a previous owner left unpublished
        if self._followups is not None:
            await self._followups.take_over(program_id)
        freeze_long_lived()
        return program

    async def _cancel_broken(self, program: Program, step: Step) -> None:
        for record, reason in program.broken():
            change = lifecycle.cancel(record.status, "constraint_broken", reason)
            await self._changes.apply(program, step, record, change)


def _correlation(work: Sequence[MatchWork]) -> str | None:
    if not work:
        return None
    last = work[-1]
    return last.correlation_id or str(last.event_id)
