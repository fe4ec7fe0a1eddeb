"""Continuous programs: a newcomer waits up to the settle window for others before being proposed.

The window opens with the first change that may bring new pairs (`MatchingEngine.pending`) and
closes `settle` later; until then steps propose nothing, and a timer (`Wake`) brings a
`SettleDue` at its end. The first step after it proposes for everyone who arrived meanwhile, so
early arrivals do not take the partners that later ones needed. A zero window proposes at once.

The engine's pairs are stored as a round's plan is (`round_proposals.open_all`): one insert of
their slots, one of their pairings, instead of a round trip of each per 16 pairs; a pair whose
slot was taken, or whose id exists, goes the single proposal's way, as before.
"""

from datetime import timedelta

from services.matcher import metrics
from services.matcher.usecases.program import Program, Step
from services.matcher.usecases.proposals import Proposer
from services.matcher.usecases.round_proposals import open_all
from services.matcher.usecases.work import Wake

ROUNDS = 3
"""Times the engine is asked again in one step after a pair it proposed existed already."""


class Settled:
    def __init__(self, proposer: Proposer, wake: Wake) -> None:
        self._proposer, self._wake = proposer, wake

    async def propose(self, program: Program, step: Step, settle: timedelta) -> None:
        """Propose now, or once the first waiting change has waited `settle`."""
        if not settle:
            await self._propose(program, step)
            return
        if not program.engine.pending:
            return
        if program.settle_until is None:
            program.settle_until = step.now + settle
        if step.now < program.settle_until:
            self._wake(program.id, program.settle_until)  # one timer per program and time
            return
        program.settle_until = None
        await self._propose(program, step)

    async def _propose(self, program: Program, step: Step) -> None:
        """The engine's new pairs, stored; asked again when one of them existed already (it is
        blocked now, so the engine finds its people other partners)."""
        for _ in range(ROUNDS):
            with metrics.SOLVE_SECONDS.time():
                pairs = program.engine.propose()
            if "exists" not in await open_all(self._proposer, program, step, pairs):
                return
