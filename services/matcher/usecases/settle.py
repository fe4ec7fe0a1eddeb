"""Continuous programs: a newcomer waits up to the settle window for others before being proposed.

The window opens with the first change that may bring new pairs (`MatchingEngine.pending`) and
closes `settle` later; until then steps propose nothing, and a timer (`Wake`) brings a
`SettleDue` at its end. The first step after it proposes for everyone who arrived meanwhile, so
early arrivals do not take the partners that later ones needed. A zero window proposes at once.
"""

from datetime import timedelta

from services.matcher.usecases.program import Program, Step
from services.matcher.usecases.proposals import Proposer
from services.matcher.usecases.work import Wake


class Settled:
    def __init__(self, proposer: Proposer, wake: Wake) -> None:
        self._proposer, self._wake = proposer, wake

    async def propose(self, program: Program, step: Step, settle: timedelta) -> None:
        """Propose now, or once the first waiting change has waited `settle`."""
        if not settle:
            await self._proposer.propose(program, step)
            return
        if not program.engine.pending:
            return
        if program.settle_until is None:
            program.settle_until = step.now + settle
        if step.now < program.settle_until:
            self._wake(program.id, program.settle_until)  # one timer per program and time
            return
        program.settle_until = None
        await self._proposer.propose(program, step)
