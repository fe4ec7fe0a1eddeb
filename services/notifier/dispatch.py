"""Sending the emails one event causes, exactly once per person and state.

For each person: claim the notification record, send, then record the outcome together with the
event to publish (the embedded outbox); after both people, the shared relay publishes the pending
events and marks them published (`outbox.py`). Every step is idempotent, so the consumer simply
redelivers the event after any failure: finished notifications are skipped and only their
unpublished events are published.

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

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from services.notifier.compose import NotificationKey, Outgoing, Program
from services.notifier.delivery import Cause, Delivery
from services.notifier.drafts import Draft, address
from services.notifier.mailer import Mailer
from services.notifier.outbox import NotificationOutbox, Recorded
from services.notifier.store import NotificationStore
from shared.outbox import Relay
from shared.publisher import Publisher
from shared.settled import settled

UNSUBSCRIBED = "unsubscribed from reminders"


class Dispatch:
    """Renders, claims, sends and records one cause's emails, then publishes their outcomes."""

    def __init__(
        self,
        store: NotificationStore,
        mailer: Mailer,
        publisher: Publisher,
        *,
        topic: str,
        lease: timedelta,
        clock: Callable[[], datetime],
        in_flight: int,
    ) -> None:
        self._store, self._clock = store, clock
        self._delivery = Delivery(store, mailer, lease=lease, clock=clock, in_flight=in_flight)
        self._relay = Relay(NotificationOutbox(store, topic=topic), publisher)

    async def send(
        self,
        cause: Cause,
        drafts: list[Draft],
        program: Program,
        *,
        first: Awaitable[None] | None = None,
    ) -> None:
        """Deliver the emails one after another, each rendered just before it is claimed (so
        the pairings of a poll reach their claims together and share the inserts), the first
        while `first` (the invitation, which every reply is checked against) is stored. A
        person's email is not claimed before the one before it is recorded, so a failure
        leaves no other claim held."""
        recorded: list[Recorded | NotificationKey] = []
        for draft in drafts:
            if first is None:
                item = await self._outgoing(draft, program)
            else:
                _, item = await settled(first, self._outgoing(draft, program))
                first = None
            recorded.append(await self._delivery.deliver(cause, item) or item.key)
        await self._relay.flush(recorded)

    async def _outgoing(self, draft: Draft, program: Program) -> Outgoing:
        """The email, or, for a reminder to someone who unsubscribed, why none is sent: that
        is recorded like any outcome, so the reminder is never sent later."""
        if draft.reminder and await self._store.unsubscribed(draft.recipient.id):
            return Outgoing(key=draft.key, message=None, problem=UNSUBSCRIBED)
        return address(draft, program=program, now=self._clock())
