"""The operators' round routes (scope `admin`): start a round, follow it, preview one.

A round started here is a `RoundDue` on the work topic with the id `<program>@<command id>`, so
the program's owner runs it (once, `usecases.rounds`); the answer carries the id to follow it
with. The preview is computed here, from the store, and proposes nothing.
"""

import uuid

from fastapi import APIRouter, HTTPException, status
from pydantic import AwareDatetime, BaseModel, Field

from services.matcher.adapters.context import RuntimeDep
from services.matcher.usecases.preview import preview_round
from services.matcher.usecases.round_log import RoundState
from services.matcher.usecases.work import MatchWork, RoundDue, Work
from shared.auth import AUTH_RESPONSES, IsAdmin
from shared.events import Explanation
from shared.profile import Identifier


class StartRound(BaseModel):
    """Optional: the command's own id, so that sending the same command again (a retry) runs
    the round once."""

    command_id: Identifier | None = None


class RoundStarted(BaseModel):
    round_id: str = Field(description="Follow it at GET /programs/{program_id}/rounds/{round_id}.")


class RoundPublic(BaseModel):
    """A round as recorded: planned before it proposes, done once every pair was written."""

    round_id: str
    program_id: str
    state: RoundState
    scheduled_for: AwareDatetime | None
    started_at: AwareDatetime
    finished_at: AwareDatetime | None
    members: int
    planned: int
    proposed: int
    total_score: float


class PreviewPair(BaseModel):
    younger_id: str
    older_id: str
    score: float
    explanation: Explanation


class LeftOutPublic(BaseModel):
    person_id: str
    reason: str


class PreviewPublic(BaseModel):
    """What a round would propose now; nothing is proposed."""

    program_id: str
    members: int
    live_pairings: int = Field(description="Kept as they are: locked in the round.")
    pairs: list[PreviewPair]
    total_score: float
    unpaired: int
    left_out: list[LeftOutPublic]


router = APIRouter(tags=["rounds"], responses=AUTH_RESPONSES, dependencies=[IsAdmin])


@router.post("/programs/{program_id}/rounds", status_code=status.HTTP_202_ACCEPTED)
async def start_round(
    program_id: Identifier, runtime: RuntimeDep, body: StartRound | None = None
) -> RoundStarted:
    """Run a round of the program now: one optimal solve over everyone free. The same
    `command_id` names the same round, which runs once."""
    command_id = body.command_id if body and body.command_id else uuid.uuid4().hex
    round_id = f"{program_id}@cmd-{command_id}"
    work = Work(program_id=program_id, item=RoundDue(round_id=round_id))
    await runtime.forward(MatchWork(producer="matcher-api", data=work))
    return RoundStarted(round_id=round_id)


@router.get("/programs/{program_id}/rounds/{round_id}")
async def get_round(program_id: Identifier, round_id: str, runtime: RuntimeDep) -> RoundPublic:
    """404 until the program's owner has planned it."""
    record = await runtime.rounds.get(round_id)
    if record is None or record.program_id != program_id:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such round (yet)")
    return RoundPublic(
        round_id=record.id,
        planned=len(record.pairs),
        total_score=record.total,
        **record.model_dump(include=set(RoundPublic.model_fields) - {"round_id"}),
    )


@router.get("/programs/{program_id}/preview")
async def preview(program_id: Identifier, runtime: RuntimeDep) -> PreviewPublic:
    """The pairs a round would propose now, with their explanations, the total score, and who
    would be left unpaired and why."""
    found = await preview_round(
        program_id,
        people=runtime.people,
        pairings=runtime.pairings,
        settings_for=runtime.directory.settings_for,
    )
    pairs = [
        PreviewPair(
            younger_id=p.younger_id, older_id=p.older_id, score=p.score, explanation=p.explanation
        )
        for p in found.pairs
    ]
    return PreviewPublic(
        program_id=program_id,
        members=found.members,
        live_pairings=found.live,
        pairs=pairs,
        total_score=round(found.total, 6),
        unpaired=len(found.left_out),
        left_out=[LeftOutPublic(person_id=o.person_id, reason=o.reason) for o in found.left_out],
    )
