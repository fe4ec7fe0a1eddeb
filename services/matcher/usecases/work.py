"""The matcher's internal work topic: small items keyed by program id.

Every change that may alter a program's pairings becomes one of these, so the single replica that
owns the program's partition is the only one that mutates that program (see `coordinator`).
"""

from datetime import datetime
from typing import Annotated, Literal, Protocol

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from shared.checkins import Met
from shared.commands import PairingAnswer
from shared.envelope import Envelope
from shared.profile import Identifier, Text


class PersonChanged(BaseModel):
    """A person of the program changed, joined, left or was deleted: re-read them from `people`."""

    model_config = ConfigDict(extra="ignore")

    kind: Literal["person"] = "person"
    person_id: Identifier


class AnswerGiven(BaseModel):
    """A person answered a proposal of this program."""

    model_config = ConfigDict(extra="ignore")

    kind: Literal["answer"] = "answer"
    answer: PairingAnswer


DueWhy = Literal["upkeep", "followups"]


class ProgramDue(BaseModel):
    """Time-driven upkeep: expire unanswered proposals, publish a stuck outbox, match again;
    or (`followups`) only a follow-up has come, which every step sends, so no upkeep scans."""

    model_config = ConfigDict(extra="ignore")

    kind: Literal["due"] = "due"
    why: DueWhy = "upkeep"


class SettingsChanged(BaseModel):
    """The program's record changed: read its settings (policy, schedule) again."""

    model_config = ConfigDict(extra="ignore")

    kind: Literal["settings"] = "settings"
    version: int = Field(ge=1, description="The record's version that caused it.")


class RoundDue(BaseModel):
    """Run this round of the program (scheduled, or started by an operator), once."""

    model_config = ConfigDict(extra="ignore")

    kind: Literal["round"] = "round"
    round_id: str = Field(
        max_length=200, description="`<program>@<time>` or `<program>@<command id>`."
    )
    scheduled_for: AwareDatetime | None = None


class SettleDue(BaseModel):
    """A continuous program's settle window has passed: propose whoever is waiting."""

    model_config = ConfigDict(extra="ignore")

    kind: Literal["settle"] = "settle"


class CheckinReply(BaseModel):
    """One person's whole answer to one check-in, as the form sent it (the owner numbers it)."""

    model_config = ConfigDict(extra="ignore")

    pairing_id: Identifier
    checkin_id: Identifier
    person_id: Identifier
    met: Met | None = None
    learned: list[str] = Field(default_factory=list, max_length=20)
    learned_text: Text | None = None
    usefulness: int | None = Field(default=None, ge=1, le=5)
    answered_at: AwareDatetime


class CheckinGiven(BaseModel):
    """A person answered a check-in of a pairing of this program (through its link)."""

    model_config = ConfigDict(extra="ignore")

    kind: Literal["checkin"] = "checkin"
    reply: CheckinReply


WorkItem = Annotated[
    PersonChanged
    | AnswerGiven
    | ProgramDue
    | SettingsChanged
    | RoundDue
    | SettleDue
    | CheckinGiven,
    Field(discriminator="kind"),
]


class Work(BaseModel):
    model_config = ConfigDict(extra="ignore")

    program_id: Identifier
    item: WorkItem


class MatchWork(Envelope):
    """One unit of work for the owner of a program."""

    event_type: Literal["matcher.work"] = "matcher.work"
    schema_version: Literal[1] = 1
    data: Work


class Forward(Protocol):
    """Publishes one work item to the work topic, keyed by its program id."""

    async def __call__(self, work: MatchWork) -> None: ...


class Wake(Protocol):
    """Brings a `SettleDue` for the program at `at` (a timer; lost with the process, which is
    harmless: a program taken over afresh starts its settle window again)."""

    def __call__(self, program_id: str, at: datetime) -> None: ...
