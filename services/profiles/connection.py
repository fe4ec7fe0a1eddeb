"""The relay's way out to Kafka (the broker connection itself is `shared.connection`)."""

from faststream.kafka.publisher.usecase import DefaultPublisher


class KafkaSink:
    """The relay's way out: the canonical topic's publisher (idempotent producer, acks=all)."""

    def __init__(self, publisher: DefaultPublisher) -> None:
        self._publisher = publisher

    async def send(self, *, key: str, value: bytes | None, headers: dict[str, str]) -> None:
        await self._publisher.publish(
            value, key=key.encode(), headers=headers, correlation_id=headers.get("correlation_id")
        )
