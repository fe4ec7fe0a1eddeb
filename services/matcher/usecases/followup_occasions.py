"""One follow-up occasion of one pairing, emitted once: recorded under its unique id with its
event in one insert (`FollowupStore.record`), so a redelivered step, a restart or a second replica
finds it recorded and emits nothing. A nudge goes only after its check-in was opened, and only to
who has not answered it."""

import structlog

from services.matcher.core.followups import Occasion
from services.matcher.usecases import followup_events as events
from services.matcher.usecases.followup_ports import CheckinAnswers, FollowupStore, answer_id
from services.matcher.usecases.ports import PairingRecord
from services.matcher.usecases.program import Program, Step
from shared.envelope import Envelope

log = structlog.get_logger(__name__)


class Occasions:
    def __init__(self, store: FollowupStore, answers: CheckinAnswers) -> None:
        self._store, self._answers = store, answers

    async def emit(
        self,
        program: Program,
        step: Step,
        record: PairingRecord,
        occasion: Occasion,
        *,
        final: bool = False,
    ) -> None:
        occasion_id = f"{record.id}#{occasion.key}"
        if occasion_id in program.followed:
            return
        if occasion.kind == "nudge" and not await self._opened(program, record, occasion):
            return
        event = await self._event(step, record, occasion, final=final)
        if await self._store.record(
            occasion_id, pairing_id=record.id, program_id=program.id, event=event
        ):
            step.followed.add(occasion_id)
            log.info("followup_recorded", occasion=occasion_id, pairing_id=record.id)
        program.followed.add(occasion_id)

    async def _opened(self, program: Program, record: PairingRecord, occasion: Occasion) -> bool:
        assert occasion.checkin is not None
        checkin_id = f"{record.id}#checkin#{occasion.checkin.id}"
        if checkin_id not in program.followed:
            program.followed |= await self._store.recorded([checkin_id])
        return checkin_id in program.followed

    async def _event(
        self, step: Step, record: PairingRecord, occasion: Occasion, *, final: bool
    ) -> Envelope | None:
        now, correlation = step.now, step.correlation_id
        if occasion.kind == "reminder":
            return events.reminded(record, now=now, correlation_id=correlation)
        if occasion.kind == "checkin":
            return events.opened(record, occasion, final=final, now=now, correlation_id=correlation)
        assert occasion.checkin is not None
        people = [record.younger.id, record.older.id]
        ids = [answer_id(record.id, occasion.checkin.id, person) for person in people]
        answered = await self._answers.current(ids)
        waiting = [p for p, i in zip(people, ids, strict=True) if i not in answered]
        if not waiting:
            return None  # both answered: the nudge is recorded, and sends nothing
        return events.nudged(
            record, occasion, final=final, waiting_on=waiting, now=now, correlation_id=correlation
        )
