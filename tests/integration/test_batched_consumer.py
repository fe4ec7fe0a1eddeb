"""Batched consumption against the real broker: per-record dead-lettering, per-key order, retries
in place, and one commit for the batch."""

import asyncio
from collections import defaultdict

import pytest
from aiokafka import AIOKafkaProducer
from faststream.kafka import KafkaBroker

from shared.commands import ProfileChangeRequest, UpdateProfile
from shared.consumer import ATTEMPTS_IN_PLACE, CONCURRENT_KEYS, Delivery, subscribe_batches
from shared.kafka import InvalidMessage, encode, make_broker
from shared.settings import CommonSettings
from shared.topics import Topics
from tests.helpers import eventually, read_topic

pytestmark = pytest.mark.integration


def command(profile_id: str, n: int) -> UpdateProfile:
    request = ProfileChangeRequest(op="delete", profile_id=profile_id)
    return UpdateProfile(producer="test", correlation_id=str(n), data=request)


async def produce(bootstrap: str, topic: str, records: list[tuple[str, bytes]]) -> None:
    """Written before any consumer starts, so they arrive together in one batch."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        for key, value in records:
            await producer.send_and_wait(topic, value, key=key.encode())
    finally:
        await producer.stop()


class Recorder:
    """A handler that keeps the order per key, fails once on request, and rejects on request."""

    def __init__(self, *, fail_once: set[str], reject: set[str], failures: int = 1) -> None:
        self.seen: dict[str, list[str]] = defaultdict(list)
        self.attempts: dict[str, int] = defaultdict(int)
        self._fail_once, self._reject, self._failures = fail_once, reject, failures

    async def __call__(self, delivery: Delivery[UpdateProfile], runtime: object) -> None:
        order = delivery.payload.correlation_id or ""
        self.attempts[order] += 1
        if order in self._reject:
            raise InvalidMessage(f"command {order} cannot be applied")
        if order in self._fail_once and self.attempts[order] <= self._failures:
            raise ConnectionError("the store is briefly down")
        assert delivery.key is not None
        self.seen[delivery.key].append(order)

    @property
    def total(self) -> int:
        return sum(len(orders) for orders in self.seen.values())


def consumer(bootstrap: str, topics: Topics, recorder: Recorder, group: str) -> KafkaBroker:
    """A broker consuming the ingress topic in batches into `recorder`, with short back-offs."""
    settings = CommonSettings(
        kafka_bootstrap_servers=bootstrap,
        topic_prefix=topics.prefix,
        dead_letter_retry_seconds=0.05,
    )
    broker = make_broker(settings, client_id="test")
    subscribe_batches(
        broker,
        topics.profile_updates,
        UpdateProfile,
        recorder,
        group_id=group,
        description="test",
        retry_seconds=0.05,
    )
    return broker


async def test_a_batch_dead_letters_bad_records_retries_failures_and_keeps_each_keys_order(
    kafka_bootstrap: str, topics: Topics, unique: str
) -> None:
    topic = topics.profile_updates
    records = [
        (f"a{unique}", encode(command("a", 1))),
        (f"b{unique}", encode(command("b", 2))),
        (f"a{unique}", b"\xff not json"),
        (f"a{unique}", encode(command("a", 3))),
        (f"b{unique}", encode(command("b", 4))),
        (f"a{unique}", encode(command("a", 5))),
        (f"b{unique}", encode(command("b", 6))),
    ]
    await produce(kafka_bootstrap, topic, records)
    recorder = Recorder(fail_once={"3"}, reject={"4"})
    broker = consumer(kafka_bootstrap, topics, recorder, f"g{unique}")

    async with broker:
        await broker.start()
        await eventually(lambda: recorder.total == 5, within=60)

    assert recorder.seen == {f"a{unique}": ["1", "3", "5"], f"b{unique}": ["2", "6"]}
    assert recorder.attempts["3"] == 2
    dead = await read_topic(kafka_bootstrap, Topics.dead_letter(topic), count=2)
    assert sorted(r.value for r in dead) == sorted([b"\xff not json", records[4][1]])
    reasons = {dict(r.headers)["dlq_error_type"] for r in dead}
    assert reasons == {b"ValidationError", b"InvalidMessage"}


async def test_a_handled_batch_is_committed_so_the_group_does_not_read_it_again(
    kafka_bootstrap: str, topics: Topics, unique: str
) -> None:
    topic = topics.profile_updates
    await produce(
        kafka_bootstrap, topic, [(f"k{unique}", encode(command("k", n))) for n in range(3)]
    )
    first, second = (Recorder(fail_once=set(), reject=set()) for _ in range(2))

    for recorder in (first, second):
        broker = consumer(kafka_bootstrap, topics, recorder, f"g{unique}")
        async with broker:
            await broker.start()
            if recorder is first:
                await eventually(lambda: first.total == 3, within=60)
            else:
                await produce(kafka_bootstrap, topic, [(f"k{unique}", encode(command("k", 9)))])
                await eventually(lambda: second.total >= 1, within=60)

    assert first.seen == {f"k{unique}": ["0", "1", "2"]}
    assert second.seen == {f"k{unique}": ["9"]}


async def test_a_record_that_keeps_failing_gives_up_its_batch_which_is_polled_again(
    kafka_bootstrap: str, topics: Topics, unique: str
) -> None:
    topic = topics.profile_updates
    key = f"k{unique}"
    await produce(kafka_bootstrap, topic, [(key, encode(command("k", n))) for n in range(3)])
    failures = ATTEMPTS_IN_PLACE + 2  # more than one batch's worth of tries in place
    recorder = Recorder(fail_once={"1"}, reject=set(), failures=failures)
    broker = consumer(kafka_bootstrap, topics, recorder, f"g{unique}")

    async with broker:
        await broker.start()
        await eventually(lambda: "2" in recorder.seen[key], within=60)

    assert recorder.attempts["1"] == failures + 1
    # The batch came back, so "0" was handled twice; "2" never overtook "1".
    assert recorder.seen[key] == ["0", "0", "1", "2"]


class Overlap:
    """A handler that notes how many records of a batch it handles at the same time."""

    def __init__(self) -> None:
        self.in_flight = self.peak = self.total = 0

    async def __call__(self, delivery: Delivery[UpdateProfile], runtime: object) -> None:
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        await asyncio.sleep(0.01)  # a store round trip: every key started meanwhile overlaps
        self.in_flight -= 1
        self.total += 1


async def test_a_consumer_may_handle_more_keys_of_a_batch_at_once_than_the_default(
    kafka_bootstrap: str, topics: Topics, unique: str
) -> None:
    keys = 2 * CONCURRENT_KEYS
    await produce(
        kafka_bootstrap,
        topics.profile_updates,
        [(f"k{n}{unique}", encode(command(f"k{n}", n))) for n in range(keys)],
    )
    overlap = Overlap()
    broker = make_broker(CommonSettings(kafka_bootstrap_servers=kafka_bootstrap), client_id="t")
    subscribe_batches(
        broker,
        topics.profile_updates,
        UpdateProfile,
        overlap,
        group_id=f"g{unique}",
        description="test",
        retry_seconds=0.05,
        concurrent_keys=keys,
    )
    async with broker:
        await broker.start()
        await eventually(lambda: overlap.total == keys, within=60)

    assert overlap.peak > CONCURRENT_KEYS
