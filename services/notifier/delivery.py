"""One email, exactly once: claim its notification record, send it, record the outcome with the
event to publish. See `notify.py` for the whole design and its one window.

At most `IN_FLIGHT` emails of a process are between their claim and their recorded outcome at
once: each holds a slot from its claim until its outcome is recorded (or its claim released), so a
crash leaves at most that many claims whose email may have gone out, and sends at most that many
twice, however many pairing events and people are handled at once.
"""

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta
from uuid import UUID, uuid5

import structlog

from services.notifier.compose import Outgoing
from services.notifier.errors import PermanentDeliveryError, TransientDeliveryError
from services.notifier.mailer import Mailer
from services.notifier.metrics import EMAILS_FAILED, EMAILS_SENT
from services.notifier.outbox import Recorded
from services.notifier.store import NotificationStore
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

log = structlog.get_logger(__name__)
PRODUCER = "notifier"
_EVENT_NAMESPACE = UUID("7d4c1b2a-3e5f-4a6b-8c7d-9e0f1a2b3c4d")
IN_FLIGHT = 32
"""Emails claimed and not yet finished at once, at most (the crash window's bound)."""
Cause = (
    PairingProposed
    | PairingCancelled
    | PairingActivated
    | PairingReminded
    | CheckinOpened
    | CheckinNudged
)


class Delivery:
    def __init__(
        self,
        store: NotificationStore,
        mailer: Mailer,
        *,
        lease: timedelta,
        clock: Callable[[], datetime],
        in_flight: int = IN_FLIGHT,
    ) -> None:
        self._store, self._mailer, self._lease, self._clock = store, mailer, lease, clock
        self._slots = asyncio.Semaphore(in_flight)

    async def deliver(self, cause: Cause, item: Outgoing) -> Recorded | None:
        """The outcome event recorded by this attempt; None if none was (finished earlier, or
        the claim was taken over)."""
        async with self._slots:
            return await self._deliver(cause, item)

    async def _deliver(self, cause: Cause, item: Outgoing) -> Recorded | None:
        claimed_at = self._clock()
        token = await self._store.claim(item.key, now=claimed_at, lease=self._lease)
        if token is None:
            log.info("notification_already_done", notification=item.key.id)
            return None
        claim = (token, claimed_at)
        if item.message is None:
            return await self._finish(cause, item, claim, failure=item.problem or "not sendable")
        try:
            await self._mailer.send(item.message)
        except PermanentDeliveryError as exc:
            return await self._finish(cause, item, claim, failure=str(exc))
        except TransientDeliveryError:
            await self._store.release(item.key, token)  # nothing was delivered: claim again later
            raise
        return await self._finish(cause, item, claim, failure=None)

    async def _finish(
        self,
        cause: Cause,
        item: Outgoing,
        claim: tuple[str, datetime],
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
        token, claimed_at = claim
        # A take-over waits for the whole lease: within half of it, the claim is still ours.
        fresh = self._clock() - claimed_at < self._lease / 2
        if not await self._store.finish(key, token, event, fresh=fresh):
            log.warning("notification_claim_lost", notification=key.id)
            return None
        (EMAILS_FAILED if failure else EMAILS_SENT).labels(key.kind).inc()
        log.info("notification_finished", notification=key.id, outcome=event.event_type)
        return event
