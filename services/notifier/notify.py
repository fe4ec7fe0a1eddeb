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

from services.notifier.checkin_letters import checkin_emails, nudge_emails
from services.notifier.compose import (
    MeetingPolicy,
    NotificationKey,
    Outgoing,
    Program,
    invitation,
    plan_schedule,
)
from services.notifier.drafts import Draft, address
from services.notifier.errors import PermanentDeliveryError, TransientDeliveryError
from services.notifier.letters import activation_emails, cancellation_emails, proposal_emails
from services.notifier.mailer import Mailer
from services.notifier.metrics import EMAILS_FAILED, EMAILS_SENT
from services.notifier.outbox import NotificationOutbox, Recorded
from services.notifier.reminders import reminder_emails
from services.notifier.store import NotificationStore
from services.notifier.unsubscribe import UnsubscribeLinks
from shared.answer_links import AnswerLinks
from shared.envelope import utc_now
from shared.events import (
    CheckinNudged,
    CheckinOpened,
    Notification,
    NotificationFailed,
    NotificationSent,
    PairingActivated,
    PairingCancelled,
    PairingProposed,
    PairingReminded,
)
from shared.outbox import Relay
from shared.publisher import Publisher

log = structlog.get_logger(__name__)
PRODUCER = "notifier"
_EVENT_NAMESPACE = UUID("7d4c1b2a-3e5f-4a6b-8c7d-9e0f1a2b3c4d")
UNSUBSCRIBED = "unsubscribed from reminders"
Cause = (
    PairingProposed
    | PairingCancelled
    | PairingActivated
    | PairingReminded
    | CheckinOpened
    | CheckinNudged
)


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
        unsubscribe: UnsubscribeLinks | None = None,
        alarm: timedelta = timedelta(minutes=30),
    ) -> None:
        self._store, self._mailer = store, mailer
        self._relay = Relay(NotificationOutbox(store, topic=topic), publisher)
        self._program, self._meetings, self._lease, self._clock = program, meetings, lease, clock
        self._invite_key, self._links, self._unsubscribe = invite_key, links, unsubscribe
        self._alarm = alarm  # unless the pairing's program sets its own

    async def pairing_proposed(self, event: PairingProposed) -> None:
        planned = plan_schedule(event.data, self._meetings, self._clock(), uid_key=self._invite_key)
        schedule = await self._store.keep_schedule(planned)
        if schedule.series(self._meetings):
            await self._store.keep_invitation(invitation(event.data, schedule))
        minutes = await self._store.alarm_minutes(event.data.program_id)
        drafts = proposal_emails(
            event,
            schedule,
            program=self._program,
            policy=self._meetings,
            links=self._links,
            alarm=self._alarm if minutes is None else timedelta(minutes=minutes),
        )
        await self._notify(event, drafts)

    async def pairing_activated(self, event: PairingActivated) -> None:
        drafts = activation_emails(
            event, program=self._program, policy=self._meetings, links=self._links
        )
        await self._notify(event, drafts)

    async def pairing_cancelled(self, event: PairingCancelled) -> None:
        schedule = await self._store.find_schedule(event.data.pairing_id)
        drafts = cancellation_emails(event, schedule, program=self._program, policy=self._meetings)
        await self._notify(event, drafts)

    async def pairing_reminded(self, event: PairingReminded) -> None:
        schedule = await self._store.find_schedule(event.data.pairing_id)
        drafts = reminder_emails(
            event,
            schedule,
            program=self._program,
            policy=self._meetings,
            links=self._links,
            unsubscribe=self._unsubscribe,
        )
        await self._notify(event, drafts)

    async def checkin_opened(self, event: CheckinOpened) -> None:
        await self._notify(event, checkin_emails(event, program=self._program, links=self._links))

    async def checkin_nudged(self, event: CheckinNudged) -> None:
        drafts = nudge_emails(
            event, program=self._program, links=self._links, unsubscribe=self._unsubscribe
        )
        await self._notify(event, drafts)

    async def _notify(self, cause: Cause, drafts: list[Draft]) -> None:
        recorded: list[Recorded | NotificationKey] = []
        for draft in drafts:
            outgoing = await self._outgoing(draft)
            recorded.append(await self._deliver(cause, outgoing) or draft.key)
        await self._relay.flush(recorded)

    async def _outgoing(self, draft: Draft) -> Outgoing:
        """The email, or, for a reminder to someone who unsubscribed, why none is sent: that
        is recorded like any outcome, so the reminder is never sent later."""
        if draft.reminder and await self._store.unsubscribed(draft.recipient.id):
            return Outgoing(key=draft.key, message=None, problem=UNSUBSCRIBED)
        return address(draft, program=self._program, now=self._clock())

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
        (EMAILS_FAILED if failure else EMAILS_SENT).labels(key.kind).inc()
        log.info("notification_finished", notification=key.id, outcome=event.event_type)
        return event
