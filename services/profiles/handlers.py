"""Ingress: other internal services change profiles by sending `UpdateProfile` commands.

A command goes through the same `ProfileService.apply` as an API write. One that can never be
applied as sent is dead-lettered (`InvalidMessage`); a store outage is retried after a back-off.
Commands arrive in batches (`shared.consumer`): one profile's commands are applied in order, and
the batch is committed only after every outcome is stored.
"""

import structlog
from faststream.kafka import KafkaBroker

from services.profiles.changes import Origin
from services.profiles.errors import REJECTED
from services.profiles.metrics import INGRESS
from services.profiles.runtime import Runtime
from services.profiles.settings import ProfilesSettings
from shared.commands import UpdateProfile
from shared.consumer import Delivery, subscribe_batches
from shared.kafka import InvalidMessage

log = structlog.get_logger(__name__)


async def on_profile_updates(delivery: Delivery[UpdateProfile], runtime: Runtime) -> None:
    """Apply one command through the runtime's service (handed over in the lifespan)."""
    command = delivery.payload
    origin = Origin(
        producer=runtime.settings.producer,
        correlation_id=command.correlation_id or str(command.event_id),
        event_id=str(command.event_id),
        occurred_at=command.occurred_at,
    )
    # Bound for this message only: the consumer handles every message in one task.
    with structlog.contextvars.bound_contextvars(correlation_id=origin.correlation_id):
        try:
            outcome = await runtime.service.apply(command.data, origin)
        except REJECTED as error:
            INGRESS.labels("rejected").inc()
            raise InvalidMessage(str(error)) from error
        result = outcome.skipped.value if outcome.skipped else "applied"
        INGRESS.labels(result).inc()
        log.info("ingress", profile_id=command.data.profile_id, op=command.data.op, result=result)


def register(broker: KafkaBroker, settings: ProfilesSettings) -> None:
    """Subscribe the ingress handler (it runs once the runtime is handed over)."""
    subscribe_batches(
        broker,
        settings.topics.profile_updates,
        UpdateProfile,
        on_profile_updates,
        group_id=settings.group(settings.ingress_group_id),
        description="UpdateProfile: create, change or delete profiles for other internal services.",
        retry_seconds=settings.dead_letter_retry_seconds,
    )
