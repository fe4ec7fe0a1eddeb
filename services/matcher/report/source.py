"""Reading one program's records for its report, from the matcher's stores.

An operator's action, like the preview: it reads the program's people and pairings whole (scans
on the local store), and plans a round without writing anything to say who would stay unpaired
and why (`usecases.preview`, whose reasons the report reuses).
"""

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Protocol

from services.matcher.core.lifecycle import LIVE
from services.matcher.core.program_settings import ProgramSettings
from services.matcher.report.people import WOULD_PAIR
from services.matcher.report.records import ProgramRecords, Unpaired
from services.matcher.usecases.directory import ProgramRecords as ProgramStore
from services.matcher.usecases.ports import PairingRecord, PairingStore, PeopleStore
from services.matcher.usecases.preview import Preview, preview_round
from shared.checkins import CheckinAnswer


class CheckinAnswers(Protocol):
    """The check-in answers of a program: each person's current answer per check-in."""

    async def for_program(self, program_id: str) -> list[CheckinAnswer]: ...


async def read_program(
    program_id: str,
    *,
    people: PeopleStore,
    pairings: PairingStore,
    programs: ProgramStore,
    answers: CheckinAnswers,
    settings_for: Callable[[str], Awaitable[ProgramSettings]],
    now: datetime,
) -> ProgramRecords:
    found = await pairings.of_program(program_id)
    preview = await preview_round(
        program_id, people=people, pairings=pairings, settings_for=settings_for
    )
    return ProgramRecords(
        program_id=program_id,
        now=now,
        program=await programs.get(program_id),
        people=await people.of_program(program_id),
        pairings=found,
        answers=await answers.for_program(program_id),
        unpaired=unpaired(preview, found),
    )


def unpaired(preview: Preview, pairings: list[PairingRecord]) -> list[Unpaired]:
    """Opted-in people with no live pairing: those a round now leaves out, with the preview's
    reason, and those it would pair."""
    held = {p for r in pairings if r.state in LIVE for p in (r.younger.id, r.older.id)}
    planned = {p for pair in preview.pairs for p in (pair.younger_id, pair.older_id)} - held
    left = [Unpaired(o.person_id, o.reason) for o in preview.left_out]
    return sorted([*left, *(Unpaired(p, WOULD_PAIR) for p in planned)], key=lambda u: u.person_id)
