"""The ports of the follow-ups: occasions recorded with their events, and check-in answers.

An occasion (`<pairing>#reminder`, `<pairing>#checkin#<id>`, `<pairing>#nudge#<id>`,
`<pairing>#answered#<checkin>#<person>#<revision>`, `<pairing>#flag#<code>`) is recorded once,
under its unique id, in one insert that also holds the event it emits (its outbox entry): of
two writers (a redelivery, a restart, a second replica) only one stores it, and what is stored
is published. One implementation of each lives in `adapters/`; fakes under `tests/`.
"""

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from shared.checkins import CheckinAnswer
from shared.envelope import Envelope


def answer_id(pairing_id: str, checkin_id: str, person_id: str) -> str:
    return f"{pairing_id}#{checkin_id}#{person_id}"


@dataclass(frozen=True)
class Recorded:
    """One recorded occasion whose event is not yet published."""

    id: str
    pairing_id: str
    payload: bytes
    headers: dict[str, str]


class FollowupStore(Protocol):
    """Occasions with their events, and when each program's next follow-up is due."""

    async def record(
        self, occasion_id: str, *, pairing_id: str, program_id: str, event: Envelope | None
    ) -> bool:
        """Store the occasion (with its event, if any); False when it was recorded before."""
        ...

    async def recorded(self, ids: Collection[str]) -> set[str]:
        """Which of these occasions are recorded (point reads)."""
        ...

    async def unpublished(self, program_id: str, ids: Collection[str] | None) -> list[Recorded]:
        """The unpublished events of these occasions (all the program's, a scan, when None)."""
        ...

    async def mark_published(self, ids: Collection[str]) -> None: ...

    async def set_due(self, program_id: str, at: datetime | None) -> None:
        """When the program's next follow-up is due (None: none); the sweeper reads it."""
        ...

    async def due_programs(self, *, now: datetime) -> set[str]: ...


@dataclass(frozen=True)
class Answered:
    """The current answer after recording one, and whether this call made a new revision."""

    current: CheckinAnswer
    changed: bool


class CheckinAnswers(Protocol):
    """`checkin_answers`: per (pairing, check-in, person) the current answer and its history."""

    async def record(self, answer: CheckinAnswer) -> Answered:
        """Store `answer` as the next revision, unless it says what the current one says."""
        ...

    async def current(self, ids: Collection[str]) -> dict[str, CheckinAnswer]:
        """The current answers with these ids (`answer_id`), point reads."""
        ...

    async def for_program(self, program_id: str) -> list[CheckinAnswer]:
        """Every current answer of a program (a scan: for reports, not per event)."""
        ...
