"""A person's check-in answer, applied by the program's owner: recorded as a new revision (or
not at all when it says what the current one says), published as `checkin.answered`, and judged
for the feedback acts that flag a pairing for its program lead.

Flags: "we stopped" from either person (`stopped`), or two current answers of the pairing with
usefulness at or below `LOW_USEFULNESS`, over any check-ins and either person (`low_ratings`).
Each is raised once per pairing: its occasion (`<pairing>#flag#<code>`) is recorded with its
`pairing.flagged` event, and the code is kept on the pairing. Every step here may be repeated
(a redelivery after a crash): the answer's event and the flags are recorded under ids that a
repeat finds taken.
"""

import structlog

from services.matcher.usecases import followup_events as events
from services.matcher.usecases.followup_ports import CheckinAnswers, FollowupStore, answer_id
from services.matcher.usecases.ports import PairingRecord, PairingStore
from services.matcher.usecases.program import Program, Step
from services.matcher.usecases.work import CheckinReply
from shared.checkins import DEFAULT_CHECKINS, LOW_USEFULNESS, CheckinAnswer, FlagCode

log = structlog.get_logger(__name__)


class CheckinRecorder:
    def __init__(
        self, pairings: PairingStore, answers: CheckinAnswers, store: FollowupStore
    ) -> None:
        self._pairings, self._answers, self._store = pairings, answers, store

    async def answer(
        self, program: Program, step: Step, reply: CheckinReply, *, checkin_ids: list[str]
    ) -> None:
        """Record one reply (the occasions recorded join `step.followed`, to relay).
        `checkin_ids`: the program's check-ins, over which low ratings are counted."""
        record = program.live.get(reply.pairing_id) or program.closing.get(reply.pairing_id)
        record = record or await self._pairings.get(reply.pairing_id)
        people = {} if record is None else {record.younger.id: "younger", record.older.id: "older"}
        if record is None or record.program_id != program.id or reply.person_id not in people:
            log.warning("checkin_answer_refused", pairing_id=reply.pairing_id)
            return
        answer = CheckinAnswer(
            **reply.model_dump(), program_id=program.id, role=people[reply.person_id], revision=1
        )
        current = (await self._answers.record(answer)).current
        event = events.answered(
            current, sequence=record.sequence, correlation_id=step.correlation_id
        )
        occasion = (
            f"{record.id}#answered#{current.checkin_id}#{current.person_id}#{current.revision}"
        )
        if await self._store.record(
            occasion, pairing_id=record.id, program_id=program.id, event=event
        ):
            step.followed.add(occasion)
        for flag, reason in await self._flags(record, current, checkin_ids):
            step.followed |= await self._flag(step, record, flag, current.checkin_id, reason)

    async def _flags(
        self, record: PairingRecord, answer: CheckinAnswer, checkin_ids: list[str]
    ) -> list[tuple[FlagCode, str]]:
        found: list[tuple[FlagCode, str]] = []
        if answer.met == "stopped":
            found.append(("stopped", f"{answer.person_id} said the pair stopped meeting"))
        ids = {
            answer_id(record.id, checkin, person)
            for checkin in set(checkin_ids) | {c.id for c in DEFAULT_CHECKINS} | {answer.checkin_id}
            for person in (record.younger.id, record.older.id)
        }
        current = await self._answers.current(ids)
        low = [
            a
            for a in current.values()
            if a.usefulness is not None and a.usefulness <= LOW_USEFULNESS
        ]
        if len(low) >= 2:
            found.append(
                ("low_ratings", f"{len(low)} check-in answers rated it {LOW_USEFULNESS} or lower")
            )
        return found

    async def _flag(
        self, step: Step, record: PairingRecord, flag: FlagCode, checkin_id: str, reason: str
    ) -> set[str]:
        occasion = f"{record.id}#flag#{flag}"
        event = events.flagged(
            record,
            flag,
            checkin_id=checkin_id,
            reason=reason,
            now=step.now,
            correlation_id=step.correlation_id,
        )
        new = await self._store.record(
            occasion, pairing_id=record.id, program_id=record.program_id, event=event
        )
        await self._pairings.add_flag(record.id, flag)  # again on a repeat: it changes nothing
        if new:
            log.info("pairing_flagged", pairing_id=record.id, flag=flag)
        return {occasion} if new else set()
