"""The one way out to Kafka: every service publishes a `Message` through a `Publisher`.

The relays and the notifier hand over already-encoded bytes, so
the protocol knows nothing of events; `Message.of` encodes one. Fakes in `tests/` record messages.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

from faststream.kafka import KafkaBroker

from shared.envelope import Envelope


@dataclass(frozen=True)
class Message:
    """One record as it goes out. The key orders it within its partition; a `value` of None is a
    tombstone (compacted topics drop the key's earlier records)."""

    topic: str
    key: bytes
    value: bytes | None
    headers: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, topic: str, key: str, event: Envelope) -> "Message":
        """An event as JSON, with its envelope in the headers too."""
        return cls(topic, key.encode(), event.model_dump_json().encode(), event.headers())


class Publisher(Protocol):
    """Sends one message; returns once the broker acknowledged it, raises if it did not."""

    async def publish(self, message: Message) -> None: ...


class BrokerPublisher:
    """Publishes through the FastStream broker (idempotent producer, acks=all, see `make_broker`).
    The correlation id is taken from the headers, so FastStream does not invent another one."""

    def __init__(self, broker: KafkaBroker) -> None:
        self._broker = broker

    async def publish(self, message: Message) -> None:
        headers = dict(message.headers)
        await self._broker.publish(
            message.value,
            topic=message.topic,
            key=message.key,
            headers=headers,
            correlation_id=headers.get("correlation_id"),
        )
