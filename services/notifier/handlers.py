"""The notifier's subscribers: pairing events in, emails and notification events out; and the
program records, kept to address and plan each program's emails (`programs.py`).

Pairing events arrive in batches (`shared.consumer`): one pairing's events are handled in order,
different pairings concurrently (`PAIRINGS_AT_ONCE`), and the batch is committed only after every outcome is recorded
and its event published. A transient failure is retried after a back-off; a message that does
not parse goes to the dead-letter topic.
"""

from faststream import Context
from faststream.kafka import KafkaBroker

from services.notifier.runtime import Runtime
from shared.consumer import Delivery, subscribe_batches
from shared.events import (
    CheckinNudged,
    CheckinOpened,
    NotificationFailed,
    NotificationSent,
    PairingActivated,
    PairingCancelled,
    PairingEvent,
    PairingProposed,
    PairingReminded,
    ProgramChanged,
)
from shared.kafka import CONSUMER_DEFAULTS
from shared.logging import bind_correlation
from shared.topics import Topics

PAIRINGS_AT_ONCE = 128
"""Pairings of a batch handled at once. A batch is committed, and the next one polled, only when
its last pairing is done, so its pairings' round trips one after another bound the notifier's
rate; more at once shortens the batch. The emails between claim and outcome stay at most
`delivery.IN_FLIGHT` (the crash window's bound) however many pairings are handled."""


async def on_pairings(delivery: Delivery[PairingEvent], runtime: Runtime) -> None:
    event = delivery.payload
    bind_correlation(event.correlation_id or str(event.event_id))
    if isinstance(event, PairingProposed):
        await runtime.notifier.pairing_proposed(event)
    elif isinstance(event, PairingCancelled):
        await runtime.notifier.pairing_cancelled(event)
    elif isinstance(event, PairingActivated):
        await runtime.notifier.pairing_activated(event)
    elif isinstance(event, PairingReminded):
        await runtime.notifier.pairing_reminded(event)
    elif isinstance(event, CheckinOpened):
        await runtime.notifier.checkin_opened(event)
    elif isinstance(event, CheckinNudged):
        await runtime.notifier.checkin_nudged(event)
    # checkin.answered and pairing.flagged cause no email.


async def on_program_changes(event: ProgramChanged, runtime: Runtime = Context()) -> None:
    """Keep the newest record of each program; an older or repeated one changes nothing."""
    bind_correlation(event.correlation_id or str(event.event_id))
    await runtime.programs.apply(event.data)


def register(
    broker: KafkaBroker,
    topics: Topics,
    *,
    group_id: str,
    programs_group_id: str,
    retry_seconds: float,
) -> None:
    """Subscribe `on_pairings` and `on_program_changes`, and declare the notification events
    the first causes (keyed by pairing); the subscribers run once the runtime is handed over."""
    broker.publisher(
        topics.notifications,
        title="notifications",
        description="NotificationSent / NotificationFailed, keyed by pairing id.",
        schema=NotificationSent | NotificationFailed,
    )

    subscribe_batches(
        broker,
        topics.pairings,
        PairingEvent,
        on_pairings,
        group_id=group_id,
        description="Each pairing event sends an email to each person it concerns.",
        retry_seconds=retry_seconds,
        concurrent_keys=PAIRINGS_AT_ONCE,
    )
    broker.subscriber(
        topics.program_changes,
        group_id=programs_group_id,
        description="ProgramChanged: each program's name, mailbox, meetings and invite alarm.",
        **CONSUMER_DEFAULTS,
    )(on_program_changes)
