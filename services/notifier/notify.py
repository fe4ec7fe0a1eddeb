"""The notifier's use cases: which emails each pairing and check-in event causes, for whom, with
which program's settings and which invitation; sending them exactly once is `dispatch.py`'s."""

from collections.abc import Callable
from datetime import datetime, timedelta

from services.notifier.checkin_letters import checkin_emails, nudge_emails
from services.notifier.compose import (
    MeetingPolicy,
    Program,
    Schedule,
    fit_series,
    invitation,
    plan_schedule,
)
from services.notifier.delivery import IN_FLIGHT
from services.notifier.dispatch import Dispatch
from services.notifier.letters import activation_emails, cancellation_emails, proposal_emails
from services.notifier.mailer import Mailer
from services.notifier.programs import NoRecords, ProgramRecords, alarm_before, program_settings
from services.notifier.reminders import reminder_emails
from services.notifier.store import NotificationStore
from services.notifier.unsubscribe import UnsubscribeLinks
from shared.answer_links import AnswerLinks
from shared.envelope import utc_now
from shared.events import (
    CheckinNudged,
    CheckinOpened,
    PairingActivated,
    PairingCancelled,
    PairingProposed,
    PairingReminded,
)
from shared.publisher import Publisher
from shared.settled import settled


class Notifier:
    """The use cases: a pairing was proposed, became active, was cancelled; a proposal waits
    for answers; a check-in opened, or waits for answers."""

    def __init__(
        self,
        *,
        store: NotificationStore,
        mailer: Mailer,
        publisher: Publisher,
        topic: str,
        program: Program,
        meetings: MeetingPolicy,
        lease: timedelta,
        invite_key: bytes,
        clock: Callable[[], datetime] = utc_now,
        links: AnswerLinks | None = None,
        programs: ProgramRecords | None = None,
        unsubscribe: UnsubscribeLinks | None = None,
        alarm: timedelta = timedelta(minutes=30),
        in_flight: int = IN_FLIGHT,
    ) -> None:
        """`program`, `meetings` and `alarm` serve programs without a record in `programs`;
        `in_flight` bounds the emails between claim and outcome (`delivery.IN_FLIGHT`)."""
        self._store = store
        self._dispatch = Dispatch(
            store, mailer, publisher, topic=topic, lease=lease, clock=clock, in_flight=in_flight
        )
        self._program, self._meetings, self._alarm = program, meetings, alarm
        self._invite_key, self._links, self._unsubscribe = invite_key, links, unsubscribe
        self._programs = programs or NoRecords()

    async def pairing_proposed(self, event: PairingProposed) -> None:
        program, meetings, alarm = await self._settings(event.data.program_id)
        # From the proposal's own time, as the matcher counts the series for its check-ins,
        # however late this event is handled.
        planned = plan_schedule(event.data, meetings, event.occurred_at, uid_key=self._invite_key)
        schedule, invited = await settled(
            self._store.keep_schedule(planned), self._invite(event, planned, meetings)
        )
        policy = fit_series(meetings, schedule)
        drafts = proposal_emails(
            event, schedule, program=program, policy=policy, links=self._links, alarm=alarm
        )
        first = None
        if schedule.series(policy) and not (invited and schedule.uid == planned.uid):
            first = self._store.keep_invitation(invitation(event.data, schedule))
        await self._dispatch.send(event, drafts, program, first=first)

    async def _invite(
        self, event: PairingProposed, planned: Schedule, meetings: MeetingPolicy
    ) -> bool:
        """Store the invitation of the planned schedule's UID, beside the schedule rather than
        after it (a round trip less); True if there is one. Where an earlier attempt stored
        another schedule (planned at another time, or with another key), its own invitation is
        stored before any email goes out (`pairing_proposed`)."""
        if not planned.series(fit_series(meetings, planned)):
            return False
        await self._store.keep_invitation(invitation(event.data, planned))
        return True

    async def pairing_activated(self, event: PairingActivated) -> None:
        program, meetings, _ = await self._settings(event.data.program_id)
        policy = fit_series(meetings, await self._store.find_schedule(event.data.pairing_id))
        drafts = activation_emails(event, program=program, policy=policy, links=self._links)
        await self._dispatch.send(event, drafts, program)

    async def pairing_cancelled(self, event: PairingCancelled) -> None:
        program, meetings, _ = await self._settings(event.data.program_id)
        schedule = await self._store.find_schedule(event.data.pairing_id)
        policy = fit_series(meetings, schedule)
        drafts = cancellation_emails(event, schedule, program=program, policy=policy)
        await self._dispatch.send(event, drafts, program)

    async def pairing_reminded(self, event: PairingReminded) -> None:
        program, meetings, _ = await self._settings(event.data.program_id)
        schedule = await self._store.find_schedule(event.data.pairing_id)
        policy = fit_series(meetings, schedule)
        drafts = reminder_emails(
            event,
            schedule,
            program=program,
            policy=policy,
            links=self._links,
            unsubscribe=self._unsubscribe,
        )
        await self._dispatch.send(event, drafts, program)

    async def checkin_opened(self, event: CheckinOpened) -> None:
        program, _, _ = await self._settings(event.data.program_id)
        drafts = checkin_emails(event, program=program, links=self._links)
        await self._dispatch.send(event, drafts, program)

    async def checkin_nudged(self, event: CheckinNudged) -> None:
        program, _, _ = await self._settings(event.data.program_id)
        drafts = nudge_emails(
            event, program=program, links=self._links, unsubscribe=self._unsubscribe
        )
        await self._dispatch.send(event, drafts, program)

    async def _settings(self, program_id: str) -> tuple[Program, MeetingPolicy, timedelta]:
        """The sender, meetings and invite alarm of the program: its record's, over the
        defaults."""
        record = await self._programs.get(program_id)
        program, meetings = program_settings(record, program=self._program, meetings=self._meetings)
        return program, meetings, alarm_before(record, default=self._alarm)
