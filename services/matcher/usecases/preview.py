"""What a round of a program would propose now, proposing nothing.

Built from the store, as a replica taking the program over would build it, so any replica can
answer; the plan is the one a round run now would record (the solve is deterministic).
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from services.matcher.core.program_settings import ProgramSettings
from services.matcher.core.scoring import ScoredPair
from services.matcher.engine.plan import LeftOut, left_out, plan
from services.matcher.engine.rounds import SolveStats
from services.matcher.usecases.ports import PairingStore, PeopleStore
from services.matcher.usecases.program import load_program


@dataclass(frozen=True)
class Preview:
    program_id: str
    members: int
    """People open to matching in the program."""
    live: int
    """Live pairings the round keeps as they are."""
    pairs: list[ScoredPair]
    left_out: list[LeftOut]

    @property
    def total(self) -> float:
        return sum(p.score for p in self.pairs)


async def preview_round(
    program_id: str,
    *,
    people: PeopleStore,
    pairings: PairingStore,
    settings_for: Callable[[str], Awaitable[ProgramSettings]],
) -> Preview:
    settings = await settings_for(program_id)
    program, _ = await load_program(
        program_id, people=people, pairings=pairings, policy=settings.policy
    )
    problem = program.engine.solve_input()
    pairs = plan(problem, SolveStats())
    return Preview(
        program_id, len(program.members), len(program.live), pairs, left_out(problem, pairs)
    )
