"""The record of a round, stored before it proposes anything, and the port that keeps them.

A round's id is its program and scheduled time (`round_id`) or the id of the command that
started it (`<program>@cmd-<id>`). Its record is inserted (a unique `_id`) with the pairs it will propose
before the first of them is written, so a round is solved once: a replica that finds the record
already there, after a restart or beside another replica, proposes what is left of that plan
(pairing ids are deterministic and pairings are created by insert) and never solves again.
"""

from datetime import UTC, datetime
from typing import Literal, Protocol

from pydantic import AwareDatetime, BaseModel, ConfigDict

RoundState = Literal["planned", "done"]


def round_id(program_id: str, at: datetime) -> str:
    """The id of a scheduled round: the same program and time always give the same id."""
    return f"{program_id}@{at.astimezone(UTC):%Y-%m-%dT%H:%MZ}"


class RoundRecord(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: str
    program_id: str
    scheduled_for: AwareDatetime | None = None
    started_at: AwareDatetime
    pairs: list[tuple[str, str]]
    """The plan: (younger id, older id), best first."""
    total: float
    members: int
    state: RoundState = "planned"
    proposed: int = 0
    finished_at: AwareDatetime | None = None


class RoundStore(Protocol):
    """Point operations only: a read and an update by `_id`, and an insert."""

    async def get(self, round_id: str) -> RoundRecord | None: ...
    async def plan(self, record: RoundRecord) -> bool:
        """Store a new round with its plan; False when a round with this id exists already."""
        ...

    async def finish(self, round_id: str, *, proposed: int, at: datetime) -> None: ...
