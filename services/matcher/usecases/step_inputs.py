"""A batch's work applied to its program: people who joined, changed or left (their live
pairings cancelled with the reason), answers to proposals, and check-in replies (to the
follow-ups). Every change goes through `Transitions`, written before the engine is told."""

from collections.abc import Sequence

import structlog

from services.matcher.core import lifecycle
from services.matcher.core.errors import NotAParticipant
from services.matcher.core.program_settings import ProgramSettings
from services.matcher.usecases.followups import FollowUps
from services.matcher.usecases.ports import PairingStore
from services.matcher.usecases.program import Program, Step
from services.matcher.usecases.read_ahead import ReadAhead
from services.matcher.usecases.transitions import Transitions
from services.matcher.usecases.work import AnswerGiven, CheckinGiven, MatchWork, PersonChanged
from shared.events import CancelReason
from shared.profile import ProfileSnapshot

log = structlog.get_logger(__name__)


class Inputs:
    def __init__(
        self,
        people: ReadAhead,
        pairings: PairingStore,
        changes: Transitions,
        followups: FollowUps | None,
    ) -> None:
        self._ahead, self._pairings = people, pairings
        self._changes, self._followups = changes, followups

    async def apply(
        self, program: Program, step: Step, work: Sequence[MatchWork], settings: ProgramSettings
    ) -> None:
        """People first (each once, as stored now), then the answers in their order."""
        changed = {w.data.item.person_id for w in work if isinstance(w.data.item, PersonChanged)}
        found = await self._ahead.take(program.id, changed) if changed else {}
        for person_id in sorted(changed):
            await self._person_changed(program, step, person_id, found.get(person_id))
        for w in work:
            if isinstance(w.data.item, AnswerGiven):
                await self._answer(program, step, w.data.item, w.correlation_id)
            elif isinstance(w.data.item, CheckinGiven) and self._followups is not None:
                await self._followups.answer(program, step, w.data.item.reply, settings)

    async def _person_changed(
        self, program: Program, step: Step, person_id: str, person: ProfileSnapshot | None
    ) -> None:
        known = program.members.get(person_id)
        if person is not None and known is not None and known.version > person.version:
            return  # read before a newer version reached the program (see `read_ahead`)
        if person is not None and person.program_id == program.id and person.opted_in:
            program.join(person)
            return
        why = departure(person_id, person, program.id)
        for record in program.live_of(person_id):
            await self._changes.apply(program, step, record, lifecycle.cancel(record.status, *why))
        program.leave(person_id)

    async def _answer(
        self, program: Program, step: Step, given: AnswerGiven, correlation_id: str | None
    ) -> None:
        answer = given.answer
        record = program.live.get(answer.pairing_id) or await self._pairings.get(answer.pairing_id)
        if record is None or record.program_id != program.id:
            log.warning("answer_for_unknown_pairing", pairing_id=answer.pairing_id)
            return
        try:
            change = lifecycle.answer(
                record.status, answer.person_id, answer.decision, answer.reason
            )
        except NotAParticipant:
            log.warning("answer_from_outsider", pairing_id=record.id, person_id=answer.person_id)
            return
        await self._changes.apply(program, step, record, change, correlation_id=correlation_id)


def departure(
    person_id: str, person: ProfileSnapshot | None, program_id: str
) -> tuple[CancelReason, str]:
    if person is None:
        return "profile_deleted", f"the profile of {person_id} was deleted"
    if person.program_id != program_id:
        return "constraint_broken", f"{person_id} left the program"
    return "constraint_broken", f"{person_id} opted out"
