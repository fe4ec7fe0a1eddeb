"""Consumer lag is measured from a group's committed offsets against the end of each partition."""

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from shared.lag import LagProbe
from shared.topics import Topics

pytestmark = pytest.mark.integration


async def test_lag_counts_what_each_group_has_not_committed(
    kafka_bootstrap: str, topics: Topics, unique: str
) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap)
    await producer.start()
    try:
        for _ in range(5):
            await producer.send_and_wait(topics.match_work, b"{}", key=b"same-key", partition=0)
    finally:
        await producer.stop()
    consumer = AIOKafkaConsumer(
        bootstrap_servers=kafka_bootstrap, group_id=f"busy-{unique}", enable_auto_commit=False
    )
    first = TopicPartition(topics.match_work, 0)
    consumer.assign([first])
    await consumer.start()
    try:
        await consumer.commit({first: 2})
    finally:
        await consumer.stop()
    async with LagProbe(kafka_bootstrap) as probe:
        assert await probe.lag(f"busy-{unique}", topics.match_work) == 3
        assert await probe.lag(f"idle-{unique}", topics.match_work) == 5
