"""Operator actions against the real broker: consumer lag, listing and replaying dead letters."""

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from deploy.ops import consumer_lag, dead_letters, find_dead_letter, replay
from shared.topics import Topics
from tests.helpers import read_topic

pytestmark = pytest.mark.integration


async def _produce(
    bootstrap: str, topic: str, *values: bytes, headers: list[tuple[str, bytes]] | None = None
) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:
        for value in values:
            await producer.send_and_wait(topic, value, key=b"k", headers=headers or [])
    finally:
        await producer.stop()


async def test_lag_is_end_offset_minus_committed_offset(
    kafka_bootstrap: str, topics: Topics, unique: str
) -> None:
    await _produce(kafka_bootstrap, topics.pairings, b"1", b"2", b"3")
    group = f"g{unique}"
    consumer = AIOKafkaConsumer(
        topics.pairings,
        bootstrap_servers=kafka_bootstrap,
        group_id=group,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    await consumer.start()
    try:
        first = await consumer.getone()
        await consumer.commit({TopicPartition(first.topic, first.partition): first.offset + 1})
    finally:
        await consumer.stop()

    rows = await consumer_lag(kafka_bootstrap, [group])

    assert [(r.topic, r.committed, r.end, r.lag) for r in rows] == [(topics.pairings, 1, 3, 2)]


async def test_dead_letter_is_listed_and_replayed_to_its_source_without_dlq_headers(
    kafka_bootstrap: str, topics: Topics
) -> None:
    dlq = Topics.dead_letter(topics.profile_updates)
    headers = [
        ("event_type", b"profile.update"),
        ("dlq_error", b"timezone: unknown IANA timezone 'Mars/X'"),
        ("dlq_source_topic", topics.profile_updates.encode()),
    ]
    await _produce(kafka_bootstrap, dlq, b'{"bad": 1}', headers=headers)

    [letter] = await dead_letters(kafka_bootstrap, dlq)
    assert letter.error == "timezone: unknown IANA timezone 'Mars/X'"
    assert letter.source_topic == topics.profile_updates

    found = await find_dead_letter(kafka_bootstrap, dlq, letter.partition, letter.offset)
    await replay(kafka_bootstrap, found, value=b'{"fixed": 1}')

    [replayed] = await read_topic(kafka_bootstrap, topics.profile_updates, count=1)
    assert replayed.value == b'{"fixed": 1}'
    assert replayed.key == b"k"
    assert dict(replayed.headers) == {"event_type": b"profile.update"}
