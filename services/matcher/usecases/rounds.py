"""Running one round of a program: solve once, record the plan, then propose it.

The plan is recorded (an insert with a unique `_id`, the round id) before anything is proposed,
and a round whose record says `done` is not run again. A replica that finds a planned round not
done (it restarted in the middle, or another replica is running it) proposes what is left of
that plan, checked again against the program as it is now (`engine.plan.replan`): nothing is
solved twice, and the slots and the deterministic pairing ids keep a person from being
proposed twice.
"""

from collections.abc import Sequence

import structlog

from services.matcher import metrics
from services.matcher.core.scoring import ScoredPair
from services.matcher.engine.plan import plan, replan
from services.matcher.engine.rounds import SolveStats
from services.matcher.usecases.ports import pairing_id
from services.matcher.usecases.program import Program, Step
from services.matcher.usecases.proposals import Proposer
from services.matcher.usecases.round_log import RoundRecord, RoundStore
from services.matcher.usecases.round_proposals import open_all
from services.matcher.usecases.work import MatchWork, RoundDue

log = structlog.get_logger(__name__)


class Rounds:
    def __init__(self, rounds: RoundStore, proposer: Proposer) -> None:
        self._rounds, self._proposer = rounds, proposer

    async def run(self, program: Program, step: Step, due: RoundDue) -> None:
        record = await self._rounds.get(due.round_id)
        if record is not None and record.state == "done":
            log.info("round_already_run", round_id=due.round_id)
            return
        pairs = await self._planned(program, step, due, record)
        outcomes = await open_all(self._proposer, program, step, pairs)
        planned = record or await self._rounds.get(due.round_id)
        assert planned is not None  # stored by `_planned`
        live = {pairing_id(program.id, y, o) for y, o in planned.pairs} & program.live.keys()
        proposed = len(live) + outcomes.count("exists")  # "exists": another replica wrote it
        await self._rounds.finish(planned.id, proposed=proposed, at=step.now)
        log.info("round_run", round_id=planned.id, planned=len(planned.pairs), proposed=proposed)

    async def _planned(
        self, program: Program, step: Step, due: RoundDue, record: RoundRecord | None
    ) -> list[ScoredPair]:
        """The pairs still to propose: a new plan, recorded first, or what is left of the
        recorded one."""
        problem = program.engine.solve_input()
        if record is not None:
            return replan(problem, record.pairs)
        with metrics.SOLVE_SECONDS.time():
            pairs = plan(problem, SolveStats())
        record = RoundRecord(
            id=due.round_id,
            program_id=program.id,
            scheduled_for=due.scheduled_for,
            started_at=step.now,
            pairs=[(p.younger_id, p.older_id) for p in pairs],
            total=round(sum(p.score for p in pairs), 6),
            members=len(program.members),
        )
        if await self._rounds.plan(record):
            return pairs
        stored = await self._rounds.get(due.round_id)  # another replica planned it first
        return replan(problem, stored.pairs) if stored is not None else []


def rounds_asked(work: Sequence[MatchWork]) -> list[RoundDue]:
    """The rounds asked for in a batch of work, each once, in order."""
    found: dict[str, RoundDue] = {}
    for w in work:
        if isinstance(w.data.item, RoundDue):
            found.setdefault(w.data.item.round_id, w.data.item)
    return list(found.values())
