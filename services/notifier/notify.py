"""Sending the emails a pairing event causes, exactly once per person and state.

For each person: claim the notification record, send, then record the outcome together with the
event to publish (the embedded outbox); after both people, the shared relay publishes the pending
events and marks them published (`outbox.py`). Every step is idempotent, so the consumer simply redelivers the pairing event after any
failure: finished notifications are skipped and only their unpublished events are published.

The remaining crash window: if the process dies after the mail server accepted an email but before
the outcome is recorded, the record stays `sending`. Redelivery then waits until the claim's lease
expires (`NOTIFIER_CLAIM_LEASE_SECONDS`, longer than any delivery can take, so a live sender is
never overtaken) and sends again. That person receives a second, identical email: at least once
in that window, exactly once everywhere else. The resend carries the same Message-ID (derived from
the notification id) and the invite the same UID and SEQUENCE, so mail and calendar clients, or a
person, can recognise it as a duplicate. The same holds for an SMTP timeout after the message data
was sent, where the server may have accepted it. Event publishing is at least once too: a crash
between publishing and marking publishes the same event again, with the same `event_id`
(derived from the notification id), so consumers drop it as a duplicate.
"""

from collections.abc import Callable
from datetime import datetime, timedelta
from uuid import UUID, uuid5

import structlog

from services.notifier.compose import (
    MeetingPolicy,
    NotificationKey,
    Outgoing,
    Program,
    fit_series,
    invitation,
    plan_schedule,
)
from services.notifier.errors import PermanentDeliveryError, TransientDeliveryError
from services.notifier.letters import (
    Draft,
    activation_emails,
    address,
    cancellation_emails,
    proposal_emails,
)
from services.notifier.mailer import Mailer
from services.notifier.metrics import EMAILS_FAILED, EMAILS_SENT
from services.notifier.outbox import NotificationOutbox, Recorded
from services.notifier.programs import NoRecords, ProgramRecords, program_settings
from services.notifier.store import NotificationStore
from shared.answer_links import AnswerLinks
from shared.envelope import utc_now
from shared.events import (
    Notification,
    NotificationFailed,
    NotificationSent,
    PairingActivated,
    PairingCancelled,
    PairingProposed,
)
from shared.outbox import Relay
from shared.publisher import Publisher

log = structlog.get_logger(__name__)
PRODUCER = "notifier"
_EVENT_NAMESPACE = UUID("7d4c1b2a-3e5f-4a6b-8c7d-9e0f1a2b3c4d")
Cause = PairingProposed | PairingCancelled | PairingActivated


class Notifier:
    """The use cases: a pairing was proposed, became active, was cancelled."""

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
    ) -> None:
        """`program` and `meetings` serve programs without a record in `programs`."""
        self._store, self._mailer = store, mailer
        self._relay = Relay(NotificationOutbox(store, topic=topic), publisher)
        self._program, self._meetings, self._lease, self._clock = program, meetings, lease, clock
        self._invite_key, self._links = invite_key, links
        self._programs = programs or NoRecords()

    async def pairing_proposed(self, event: PairingProposed) -> None:
        program, meetings = await self._settings(event.data.program_id)
        planned = plan_schedule(event.data, meetings, self._clock(), uid_key=self._invite_key)
        schedule = await self._store.keep_schedule(planned)
        policy = fit_series(meetings, schedule)
        if schedule.series(policy):
            await self._store.keep_invitation(invitation(event.data, schedule))
        drafts = proposal_emails(event, schedule, program=program, policy=policy, links=self._links)
        await self._notify(event, drafts, program)

    async def pairing_activated(self, event: PairingActivated) -> None:
        program, meetings = await self._settings(event.data.program_id)
        policy = fit_series(meetings, await self._store.find_schedule(event.data.pairing_id))
        drafts = activation_emails(event, program=program, policy=policy, links=self._links)
        await self._notify(event, drafts, program)

    async def pairing_cancelled(self, event: PairingCancelled) -> None:
        program, meetings = await self._settings(event.data.program_id)
        schedule = await self._store.find_schedule(event.data.pairing_id)
        policy = fit_series(meetings, schedule)
        drafts = cancellation_emails(event, schedule, program=program, policy=policy)
        await self._notify(event, drafts, program)

    async def _settings(self, program_id: str) -> tuple[Program, MeetingPolicy]:
        """The sender and meetings of the program: its record's, over the defaults."""
        record = await self._programs.get(program_id)
        return program_settings(record, program=self._program, meetings=self._meetings)

    async def _notify(self, cause: Cause, drafts: list[Draft], program: Program) -> None:
        recorded: list[Recorded | NotificationKey] = []
        for draft in drafts:
            outgoing = address(draft, program=program, now=self._clock())
            recorded.append(await self._deliver(cause, outgoing) or draft.key)
        await self._relay.flush(recorded)

    async def _deliver(self, cause: Cause, item: Outgoing) -> Recorded | None:
        """The outcome event recorded by this attempt; None if none was (finished earlier, or
        the claim was taken over)."""
        token = await self._store.claim(item.key, now=self._clock(), lease=self._lease)
        if token is None:
            log.info("notification_already_done", notification=item.key.id)
            return None
        if item.message is None:
            return await self._finish(cause, item, token, failure=item.problem or "not sendable")
        try:
            await self._mailer.send(item.message)
        except PermanentDeliveryError as exc:
            return await self._finish(cause, item, token, failure=str(exc))
        except TransientDeliveryError:
            await self._store.release(item.key, token)  # nothing was delivered: claim again later
            raise
        return await self._finish(cause, item, token, failure=None)

    async def _finish(
        self,
        cause: Cause,
        item: Outgoing,
        token: str,
        *,
        failure: str | None,
    ) -> Recorded | None:
        key = item.key
        data = Notification(
            pairing_id=key.pairing_id,
            state=key.state,
            recipient_id=key.recipient_id,
            detail=failure or (item.message["Message-ID"] if item.message else None),
        )
        kind = NotificationFailed if failure else NotificationSent
        event_id = uuid5(_EVENT_NAMESPACE, f"{key.id}:{kind.__name__}")
        event = kind(**cause.caused(event_id=event_id, producer=PRODUCER, data=data))
        if not await self._store.finish(key, token, event):
            log.warning("notification_claim_lost", notification=key.id)
            return None
        (EMAILS_FAILED if failure else EMAILS_SENT).labels(key.state).inc()
        log.info("notification_finished", notification=key.id, outcome=event.event_type)
        return event
