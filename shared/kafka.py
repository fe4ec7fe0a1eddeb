"""Kafka helpers shared by the services: broker construction, publishing, and dead-lettering.

FastStream has no dead-letter feature, so it is built here once. A message that cannot be parsed
or validated (or whose handler raises `InvalidMessage`) is copied to `<topic>.dlq` with the reason,
source topic, partition and offset in its headers, and then committed: the consumer never stops on
a bad message. Any other error is treated as transient: after a short back-off the message is
redelivered, so nothing is lost while a dependency (the store, the mail server) is down.
"""

import asyncio
import contextlib
import json
from collections.abc import Awaitable, Callable
from typing import Any

import structlog
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError
from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.message import StreamMessage
from faststream.middlewares import BaseMiddleware
from prometheus_client import Counter
from pydantic import ValidationError

from shared.envelope import Envelope
from shared.retry import poll
from shared.settings import CommonSettings
from shared.topics import Topics

log = structlog.get_logger(__name__)

# Consumers finish in-flight messages within this many seconds on shutdown; deployments give the
# process longer than this before killing it (docker-compose.yml: stop_grace_period).
GRACEFUL_SHUTDOWN_SECONDS = 20.0

LEADER_WAIT_SECONDS = 10.0

DEAD_LETTERED = Counter(
    "dead_lettered_messages_total", "Messages sent to a dead-letter topic.", ["topic"]
)
REDELIVERED = Counter(
    "redelivered_messages_total", "Messages redelivered after a transient error.", ["topic"]
)


class InvalidMessage(ValueError):
    """The message is well-formed but cannot be applied; it goes to the dead-letter topic."""


POISON = (ValidationError, InvalidMessage, UnicodeDecodeError, json.JSONDecodeError)

# Consumers share these: commit only after the handler returns, start from the earliest offset
# when a group has no committed position, and never create topics behind the operator's back.
CONSUMER_DEFAULTS: dict[str, Any] = {
    "ack_policy": AckPolicy.NACK_ON_ERROR,
    "auto_offset_reset": "earliest",
}


def encode(event: Envelope) -> bytes:
    return event.model_dump_json().encode()


def dead_letter_headers(record: Any, error: BaseException) -> dict[str, str]:
    headers = {k: v.decode(errors="replace") for k, v in (record.headers or ())}
    reason = str(error).replace("\r", " ").replace("\n", "; ")[:2000]
    return headers | {
        "dlq_error": reason,
        "dlq_error_type": type(error).__name__,
        "dlq_source_topic": record.topic,
        "dlq_source_partition": str(record.partition),
        "dlq_source_offset": str(record.offset),
    }


DeadLetter = Callable[[Any, BaseException], Awaitable[None]]
"""`dead_letter` bound to a broker: what a consumer of its own (the matcher's coordinator) calls."""


async def dead_letter(broker: KafkaBroker, record: Any, error: BaseException) -> None:
    """Copy `record` (its key and bytes) to its topic's dead-letter twin, with why in headers."""
    await broker.publish(
        record.value or b"",
        topic=Topics.dead_letter(record.topic),
        key=record.key,
        headers=dead_letter_headers(record, error),
    )
    DEAD_LETTERED.labels(record.topic).inc()
    log.warning(
        "dead_lettered",
        topic=record.topic,
        partition=record.partition,
        offset=record.offset,
        error_type=type(error).__name__,
    )


def dead_letter_middleware(
    broker_ref: Callable[[], KafkaBroker], *, retry_seconds: float
) -> type[BaseMiddleware]:
    """Build the middleware class; `broker_ref` gives the broker used to publish dead letters."""

    class DeadLetterMiddleware(BaseMiddleware):
        async def consume_scope(
            self, call_next: Callable[[Any], Awaitable[Any]], msg: StreamMessage[Any]
        ) -> Any:
            record = msg.raw_message
            try:
                return await call_next(msg)
            except POISON as error:
                await dead_letter(broker_ref(), record, error)
                return None
            except Exception:
                REDELIVERED.labels(record.topic).inc()
                log.exception("redelivering", topic=record.topic, offset=record.offset)
                await asyncio.sleep(retry_seconds)
                raise

    return DeadLetterMiddleware


def make_broker(settings: CommonSettings, *, client_id: str) -> KafkaBroker:
    """A broker that never auto-creates topics and dead-letters poison messages."""
    broker: KafkaBroker

    def current() -> KafkaBroker:
        return broker

    middleware = dead_letter_middleware(current, retry_seconds=settings.dead_letter_retry_seconds)
    broker = KafkaBroker(
        settings.kafka_bootstrap_servers,
        client_id=client_id,
        allow_auto_create_topics=False,
        enable_idempotence=True,
        acks="all",
        middlewares=[middleware],
        graceful_timeout=GRACEFUL_SHUTDOWN_SECONDS,
    )
    return broker


async def ensure_topics(
    bootstrap_servers: str, topics: Topics, *, partitions: int = 3, replication: int = 1
) -> list[str]:
    """Create every topic the system uses; existing ones are left alone. Returns those created."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        wanted = [
            NewTopic(
                name,
                num_partitions=partitions,
                replication_factor=replication,
                topic_configs=_topic_config(name, topics),
            )
            for name in topics.all()
            if name not in existing
        ]
        if wanted:
            with contextlib.suppress(TopicAlreadyExistsError):
                await admin.create_topics(wanted)
            await _wait_for_leaders(admin, [t.name for t in wanted])
        return [t.name for t in wanted]
    finally:
        await admin.close()


async def _wait_for_leaders(admin: AIOKafkaAdminClient, names: list[str]) -> None:
    """New partitions refuse writes until they have a leader; wait (bounded) so callers need not."""

    async def led() -> bool:
        described = await admin.describe_topics(names)
        return all(
            not t["error_code"]
            and t["partitions"]
            and all(p["leader"] >= 0 for p in t["partitions"])
            for t in described
        )

    await poll(led, within=LEADER_WAIT_SECONDS, every=0.1)


def _topic_config(name: str, topics: Topics) -> dict[str, str]:
    if name in topics.compacted():
        return {"cleanup.policy": "compact", "min.compaction.lag.ms": "60000"}
    return {}
