"""The follow-up clock of one program, run by its owner in every step: reminders, check-ins,
nudges and the program's end, each emitted once per occasion.

When each is due is pure (`core.followups`). Each occasion is recorded under a unique id with
its event in one insert (`FollowupStore.record`), so a redelivered step, a restart or a second
replica finds it recorded and emits nothing. The program's end is a lifecycle change of each live
pairing (fenced like every other), preceded by the final check-in of the active ones. The
program keeps each live pairing's next follow-up (`Program.agenda`), so a step looks only at
the pairings it changed or whose time has come; at the end of the step the program's next one
is stored for the sweeper, which makes the program due then.
"""

from dataclasses import dataclass, field
from datetime import datetime

import structlog

from services.matcher.core import followups as due
from services.matcher.core import lifecycle
from services.matcher.core.followups import Calendar, Occasion
from services.matcher.core.lifecycle import AWAITING, PairingState
from services.matcher.core.program_settings import ProgramSettings
from services.matcher.usecases import followup_events as events
from services.matcher.usecases.checkin_answers import CheckinRecorder
from services.matcher.usecases.followup_ports import CheckinAnswers, FollowupStore, answer_id
from services.matcher.usecases.followup_settings import FollowupSettings
from services.matcher.usecases.ports import Outbox, PairingRecord, PairingStore
from services.matcher.usecases.program import Program, Step
from services.matcher.usecases.transitions import Transitions
from services.matcher.usecases.work import CheckinReply
from shared.envelope import Envelope

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class FollowupPorts:
    """What the follow-ups need besides the pairings: their store, the answers, their relay."""

    store: FollowupStore
    answers: CheckinAnswers
    relay: Outbox
    settings: FollowupSettings = field(default_factory=FollowupSettings)


class FollowUps:
    def __init__(self, ports: FollowupPorts, pairings: PairingStore, changes: Transitions) -> None:
        self._store, self._answers, self._relay = ports.store, ports.answers, ports.relay
        self._changes, self._settings = changes, ports.settings
        self._recorder = CheckinRecorder(pairings, ports.answers, ports.store)

    def ended(self, settings: ProgramSettings, now: datetime) -> bool:
        """The program is over: nobody is proposed any more."""
        calendar = self._settings.calendar(settings)
        return calendar is not None and now >= calendar.ends_at

    async def answer(
        self, program: Program, step: Step, reply: CheckinReply, settings: ProgramSettings
    ) -> None:
        points = settings.record.checkins if settings.record else []
        await self._recorder.answer(program, step, reply, checkin_ids=[p.id for p in points])

    async def take_over(self, program_id: str) -> None:
        """Publish what a previous owner recorded and left unpublished (a scan, once)."""
        await self._relay.flush(program_id)

    async def run(self, program: Program, step: Step, settings: ProgramSettings) -> None:
        """Emit every follow-up due now and end the pairings the program's end reached."""
        calendar = self._settings.calendar(settings)
        for record in sorted(program.live.values(), key=lambda r: r.id):
            if calendar is not None and step.now >= calendar.ends_at:
                await self._end(program, step, record, calendar)
            elif _looked_at(program, step, record.id):
                program.agenda.pop(record.id, None)
                for occasion in self._plan(program, record, calendar):
                    if due.still_open(occasion, step.now):
                        await self._emit(program, step, record, occasion)
        final = due.final_checkin(calendar) if calendar else None
        for record in sorted(program.closing.values(), key=lambda r: r.id):
            if final is not None and record.activated_at is not None:
                nudge = due.nudge(final)
                if due.still_open(nudge, step.now):
                    await self._emit(program, step, record, nudge, final=True)

    async def schedule(self, program: Program, step: Step, settings: ProgramSettings) -> None:
        """Publish what this step recorded, and store when the program's next follow-up is due
        (after the step's proposals, whose reminders count)."""
        await self._relay.flush(program.id, step.followed)
        calendar = self._settings.calendar(settings)
        for gone in set(program.agenda) - set(program.live):
            del program.agenda[gone]
        for record in program.live.values():
            if record.id not in program.agenda or record.id in step.touched:
                times = [o.at for o in self._plan(program, record, calendar) if o.at > step.now]
                program.agenda[record.id] = min(times, default=None)
        times = [at for at in program.agenda.values() if at is not None]
        if calendar is not None and program.live:
            times.append(calendar.ends_at)
        final = due.final_checkin(calendar) if calendar else None
        if final is not None and program.closing:
            times.append(due.nudge(final).at)
        upcoming = min((t for t in times if t > step.now), default=None)
        if program.followups_due != (upcoming,):
            await self._store.set_due(program.id, upcoming)
            program.followups_due = (upcoming,)

    def _plan(
        self, program: Program, record: PairingRecord, calendar: Calendar | None
    ) -> list[Occasion]:
        """Every follow-up of a live pairing, past and future (the end aside)."""
        if record.state in AWAITING:
            at = due.reminder_at(record.proposed_at, record.expires_at)
            return [Occasion("reminder", at, closes_at=record.expires_at)]
        if calendar is None or record.state is not PairingState.ACTIVE:
            return []
        if record.id not in program.series:
            people = [record.younger, record.older]
            program.series[record.id] = due.series_start(
                people, calendar.meetings, record.proposed_at
            )
        first, since = program.series[record.id], record.activated_at or record.updated_at
        found = due.checkins(
            calendar, first=first, anchor=record.older.timezone, active_since=since
        )
        return [o for checkin in found for o in (checkin, due.nudge(checkin))]

    async def _end(
        self, program: Program, step: Step, record: PairingRecord, calendar: Calendar
    ) -> None:
        final = due.final_checkin(calendar)
        if record.state is PairingState.ACTIVE and final is not None:
            await self._emit(program, step, record, final, final=True)
        await self._changes.apply(program, step, record, lifecycle.program_end(record.status))

    async def _emit(
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


def _looked_at(program: Program, step: Step, pairing_id: str) -> bool:
    """Whether a step looks at a live pairing: changed in it, not planned yet, or its next
    follow-up has come."""
    if pairing_id in step.touched or pairing_id not in program.agenda:
        return True
    at = program.agenda[pairing_id]
    return at is not None and at <= step.now
