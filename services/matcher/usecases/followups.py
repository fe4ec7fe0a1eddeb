"""The follow-up clock of one program, run by its owner in every step: reminders, check-ins,
nudges and the program's end, each emitted once per occasion.

When each is due is pure (`core.followups`); each occasion is emitted once
(`followup_occasions`). The program's end is a lifecycle change of each live pairing (fenced like
every other), preceded by the final check-in of the active ones. The program keeps each live pairing's next follow-up (`Program.agenda`), so a step looks only at
the pairings it changed or whose time has come; at the end of the step the program's next one
is stored for the sweeper, which makes the program due then.
"""

from dataclasses import dataclass, field
from datetime import datetime

from services.matcher.core import followups as due
from services.matcher.core import lifecycle
from services.matcher.core.followups import Calendar, Occasion
from services.matcher.core.lifecycle import AWAITING, PairingState
from services.matcher.core.program_settings import ProgramSettings
from services.matcher.usecases.checkin_answers import CheckinRecorder
from services.matcher.usecases.followup_occasions import Occasions
from services.matcher.usecases.followup_ports import CheckinAnswers, FollowupStore
from services.matcher.usecases.followup_settings import FollowupSettings
from services.matcher.usecases.ports import Outbox, PairingRecord, PairingStore
from services.matcher.usecases.program import Program, Step
from services.matcher.usecases.transitions import Transitions
from services.matcher.usecases.work import CheckinReply


@dataclass(frozen=True)
class FollowupPorts:
    """What the follow-ups need besides the pairings: their store, the answers, their relay."""

    store: FollowupStore
    answers: CheckinAnswers
    relay: Outbox
    settings: FollowupSettings = field(default_factory=FollowupSettings)


class FollowUps:
    def __init__(self, ports: FollowupPorts, pairings: PairingStore, changes: Transitions) -> None:
        self._store, self._relay = ports.store, ports.relay
        self._changes, self._settings = changes, ports.settings
        self._occasions = Occasions(ports.store, ports.answers)
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
                        await self._occasions.emit(program, step, record, occasion)
        final = due.final_checkin(calendar) if calendar else None
        for record in sorted(program.closing.values(), key=lambda r: r.id):
            if final is not None and record.activated_at is not None:
                nudge = due.nudge(final)
                if due.still_open(nudge, step.now):
                    await self._occasions.emit(program, step, record, nudge, final=True)

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
            await self._occasions.emit(program, step, record, final, final=True)
        await self._changes.apply(program, step, record, lifecycle.program_end(record.status))


def _looked_at(program: Program, step: Step, pairing_id: str) -> bool:
    """Whether a step looks at a live pairing: changed in it, not planned yet, or its next
    follow-up has come."""
    if pairing_id in step.touched or pairing_id not in program.agenda:
        return True
    at = program.agenda[pairing_id]
    return at is not None and at <= step.now
