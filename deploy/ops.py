"""Operator actions against the broker: consumer lag, and dead letters to list and replay.

Async functions with no printing, so the CLI (`deploy/cli.py`) stays thin and these are tested
against the real broker.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from pydantic import TypeAdapter, ValidationError

from shared.commands import ProfileChangeRequest, UpdateProfile
from shared.events import PairingEvent
from shared.lag import Lag, LagProbe
from shared.profile import Profile, ProfileFields
from shared.topics import DEAD_LETTER_SUFFIX

DLQ_HEADER_PREFIX = "dlq_"


@dataclass(frozen=True)
class DeadLetter:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes
    headers: dict[str, str]

    @property
    def source_topic(self) -> str:
        return self.headers.get("dlq_source_topic", self.topic.removesuffix(DEAD_LETTER_SUFFIX))

    @property
    def error(self) -> str:
        return self.headers.get("dlq_error", "")


async def consumer_lag(bootstrap: str, groups: Iterable[str] | None = None) -> list[Lag]:
    """Committed offset and end offset of every partition each group has committed on."""
    async with LagProbe(bootstrap) as probe:
        rows: list[Lag] = []
        for group in sorted(groups or await probe.groups()):
            rows += await probe.committed(group)
        return rows


async def dead_letters(bootstrap: str, topic: str, *, limit: int = 100) -> list[DeadLetter]:
    """The first `limit` messages of one dead-letter topic, from the beginning."""
    return [_dead_letter(r) for r in await read_all(bootstrap, topic, limit=limit)]


async def pairing_histories(bootstrap: str, topic: str) -> dict[str, list[PairingEvent]]:
    """Every pairing's events in order, by pairing id, as the pairings topic has them."""
    adapter: TypeAdapter[PairingEvent] = TypeAdapter(PairingEvent)
    histories: dict[str, list[PairingEvent]] = {}
    for record in await read_all(bootstrap, topic, limit=None):
        try:
            event = adapter.validate_json(record.value or b"")
        except ValidationError:
            continue
        histories.setdefault(event.data.pairing_id, []).append(event)
    return histories


async def read_all(
    bootstrap: str, topic: str, *, limit: int | None
) -> list[ConsumerRecord[bytes, bytes]]:
    """Every record now on `topic` (or the first `limit`), ordered by partition and offset."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        [described] = await admin.describe_topics([topic])
    finally:
        await admin.close()
    partitions = [TopicPartition(topic, p["partition"]) for p in described["partitions"]]
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, enable_auto_commit=False, auto_offset_reset="earliest"
    )
    await consumer.start()
    try:
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        out: list[ConsumerRecord[bytes, bytes]] = []
        while (limit is None or len(out) < limit) and any(await _behind(consumer, ends)):
            for records in (await consumer.getmany(timeout_ms=1000)).values():
                out += records
        return sorted(out, key=lambda r: (r.partition, r.offset))[:limit]
    finally:
        await consumer.stop()


async def _behind(consumer: AIOKafkaConsumer, ends: dict[TopicPartition, int]) -> list[bool]:
    return [await consumer.position(tp) < end for tp, end in ends.items()]


def _dead_letter(record: ConsumerRecord[bytes, bytes]) -> DeadLetter:
    return DeadLetter(
        topic=record.topic,
        partition=record.partition,
        offset=record.offset,
        key=record.key,
        value=record.value or b"",
        headers={k: v.decode(errors="replace") for k, v in record.headers or ()},
    )


async def replay(bootstrap: str, letter: DeadLetter, *, value: bytes | None = None) -> None:
    """Publish a dead letter (or a corrected `value`) back to its source topic, same key."""
    headers = [
        (k, v.encode()) for k, v in letter.headers.items() if not k.startswith(DLQ_HEADER_PREFIX)
    ]
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True)
    await producer.start()
    try:
        await producer.send_and_wait(
            letter.source_topic,
            value if value is not None else letter.value,
            key=letter.key,
            headers=headers,
        )
    finally:
        await producer.stop()


async def find_dead_letter(bootstrap: str, topic: str, partition: int, offset: int) -> DeadLetter:
    for letter in await dead_letters(bootstrap, topic, limit=100_000):
        if (letter.partition, letter.offset) == (partition, offset):
            return letter
    raise LookupError(f"no dead letter at {topic}[{partition}]@{offset}")


def upsert_command(row: dict[str, Any], *, producer: str) -> UpdateProfile:
    """An ingress upsert for one profile row (with its `id`); raises if the row is invalid."""
    profile = Profile.model_validate(row)
    fields = ProfileFields.model_validate(profile.model_dump(exclude={"id"}))
    request = ProfileChangeRequest(op="upsert", profile_id=profile.id, profile=fields)
    return UpdateProfile(producer=producer, data=request)


async def publish_updates(bootstrap: str, topic: str, commands: Iterable[UpdateProfile]) -> int:
    """Publish ingress commands keyed by profile id, in order; returns how many."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True)
    await producer.start()
    sent = 0
    try:
        for command in commands:
            headers = [(k, v.encode()) for k, v in command.headers().items()]
            value = command.model_dump_json().encode()
            await producer.send_and_wait(
                topic, value, key=command.data.profile_id.encode(), headers=headers
            )
            sent += 1
    finally:
        await producer.stop()
    return sent
