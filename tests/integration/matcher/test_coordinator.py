"""The work coordinator on the real broker: windows, commits, redelivery and program ownership."""

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from functools import partial

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from prometheus_client import REGISTRY

from services.matcher.adapters.coordinator import Coordinator
from services.matcher.usecases.work import MatchWork, PersonChanged, Work
from shared.kafka import DeadLetter, dead_letter, make_broker
from shared.settings import CommonSettings
from shared.topics import Topics
from tests.fakes.matcher import RecordingDeadLetters, RecordingSteps
from tests.helpers import eventually, publish, read_topic

pytestmark = pytest.mark.integration

Send = Callable[[MatchWork], Awaitable[None]]


def work(program: str, person: str) -> MatchWork:
    return MatchWork(
        producer="test", data=Work(program_id=program, item=PersonChanged(person_id=person))
    )


@pytest.fixture
def start(kafka_bootstrap: str, topics: Topics, unique: str) -> Callable[..., Coordinator]:
    def build(
        steps: RecordingSteps, *, window: float = 0.5, dead_letter: DeadLetter | None = None
    ) -> Coordinator:
        consumer = AIOKafkaConsumer(
            bootstrap_servers=kafka_bootstrap,
            group_id=f"work-{unique}",
            enable_auto_commit=False,
            auto_offset_reset="earliest",
        )
        return Coordinator(
            consumer,
            steps,
            topic=topics.match_work,
            window=window,
            max_records=1000,
            retry_seconds=0.1,
            dead_letter=dead_letter or RecordingDeadLetters(),
        )

    return build


@pytest.fixture
async def send(kafka_bootstrap: str, topics: Topics) -> AsyncIterator[Send]:
    broker = make_broker(CommonSettings(kafka_bootstrap_servers=kafka_bootstrap), client_id="t")
    async with broker:
        await broker.start()

        async def send(item: MatchWork) -> None:
            await publish(broker, topics.match_work, item.data.program_id, item)

        yield send


async def test_a_burst_within_the_window_becomes_one_step_per_program(
    start: Callable[..., Coordinator], send: Send
) -> None:
    steps = RecordingSteps()
    for n in range(20):
        await send(work("prog-a", f"a{n}"))
        await send(work("prog-b", f"b{n}"))
    coordinator = start(steps, window=1.0)
    await coordinator.start()
    try:
        await eventually(lambda: len(steps.people()) == 40, within=30)
    finally:
        await coordinator.stop()

    assert sorted(program for program, _ in steps.steps) == ["prog-a", "prog-b"]
    assert [p for prog, people in steps.steps if prog == "prog-a" for p in people] == [
        f"a{n}" for n in range(20)
    ]


async def test_a_failed_step_is_retried_and_work_is_committed_only_after_it_succeeds(
    start: Callable[..., Coordinator], send: Send
) -> None:
    steps = RecordingSteps(failures=2)
    await send(work("prog-a", "p1"))
    first = start(steps)
    await first.start()
    try:
        await eventually(lambda: steps.people() == {"p1"}, within=30)
    finally:
        await first.stop()

    again = RecordingSteps()
    second = start(again)
    await second.start()
    try:
        await send(work("prog-a", "p2"))
        await eventually(lambda: again.people() == {"p2"}, within=30)
    finally:
        await second.stop()
    assert "p1" not in again.people()  # committed, so not redelivered


async def test_a_replica_that_loses_partitions_drops_those_programs_and_each_program_has_one_owner(
    start: Callable[..., Coordinator], send: Send
) -> None:
    first_steps, second_steps = RecordingSteps(), RecordingSteps()
    programs = [f"prog-{n}" for n in range(12)]
    for program in programs:
        await send(work(program, f"{program}-p0"))
    first = start(first_steps)
    await first.start()
    second = start(second_steps)
    try:
        await eventually(lambda: len(first_steps.people()) == len(programs), within=30)
        await second.start()
        await eventually(lambda: first_steps.dropped, within=30)
        for program in programs:
            await send(work(program, f"{program}-p1"))
        await eventually(
            lambda: len(first_steps.people() | second_steps.people()) == 2 * len(programs),
            within=60,
        )
    finally:
        with contextlib.suppress(Exception):
            await asyncio.gather(first.stop(), second.stop())

    later_first = {prog for prog, people in first_steps.steps if people[0].endswith("-p1")}
    later_second = {prog for prog, people in second_steps.steps if people[0].endswith("-p1")}
    assert later_first and later_second, "both replicas own some programs"
    assert not later_first & later_second
    assert set(first_steps.dropped) >= later_second


async def test_a_work_record_that_does_not_parse_is_dead_lettered_through_the_shared_path(
    start: Callable[..., Coordinator], send: Send, kafka_bootstrap: str, topics: Topics
) -> None:
    def dead_lettered() -> float:
        labels = {"topic": topics.match_work}
        return REGISTRY.get_sample_value("dead_lettered_messages_total", labels) or 0.0

    before = dead_lettered()
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap)
    await producer.start()
    try:
        await producer.send_and_wait(topics.match_work, b"{not json", key=b"prog-a")
    finally:
        await producer.stop()
    await send(work("prog-a", "p1"))
    steps = RecordingSteps()
    broker = make_broker(CommonSettings(kafka_bootstrap_servers=kafka_bootstrap), client_id="t")
    async with broker:
        await broker.start()
        coordinator = start(steps, dead_letter=partial(dead_letter, broker))
        await coordinator.start()
        try:
            await eventually(lambda: steps.people() == {"p1"}, within=30)
        finally:
            await coordinator.stop()

    [letter] = await read_topic(kafka_bootstrap, Topics.dead_letter(topics.match_work), count=1)
    assert letter.value == b"{not json" and letter.key == b"prog-a"
    assert dict(letter.headers)["dlq_error_type"] == b"ValidationError"
    assert dead_lettered() == before + 1


class WaitingSteps(RecordingSteps):
    """A step of `p1` finishes only once the work behind it (`p2`) has been announced."""

    def __init__(self, *, failures: int = 0) -> None:
        super().__init__(failures=failures)
        self.announced = asyncio.Event()
        self.stepping = asyncio.Event()  # a step of p1 has begun

    def expect(self, work: Sequence[MatchWork]) -> None:
        super().expect(work)
        if "p2" in self.expected:
            self.announced.set()

    async def step(self, program_id: str, work: Sequence[MatchWork]) -> None:
        people = [w.data.item for w in work if isinstance(w.data.item, PersonChanged)]
        if "p1" in [person.person_id for person in people]:
            self.stepping.set()
            await asyncio.wait_for(self.announced.wait(), timeout=20)
        await super().step(program_id, work)


async def test_work_arriving_during_a_step_is_collected_and_announced_before_that_step_ends(
    start: Callable[..., Coordinator], send: Send
) -> None:
    steps = WaitingSteps()
    await send(work("prog-a", "p1"))
    coordinator = start(steps, window=0.1)
    await coordinator.start()
    try:
        await eventually(steps.stepping.is_set, within=30)
        await send(work("prog-a", "p2"))  # while p1's step waits for it
        await eventually(lambda: steps.people() == {"p1", "p2"}, within=30)
    finally:
        await coordinator.stop()

    assert [people for _, people in steps.steps] == [["p1"], ["p2"]]


async def test_a_failed_step_reads_the_batch_collected_behind_it_again_in_order(
    start: Callable[..., Coordinator], send: Send
) -> None:
    steps = WaitingSteps(failures=1)
    await send(work("prog-a", "p1"))
    first = start(steps, window=0.1)
    await first.start()
    try:
        await eventually(steps.stepping.is_set, within=30)
        await send(work("prog-a", "p2"))  # collected ahead while p1's step fails
        await eventually(lambda: steps.people() == {"p1", "p2"}, within=30)
    finally:
        await first.stop()
    stepped = [p for _, people in steps.steps for p in people]
    assert stepped == ["p1", "p2"]  # p2 neither before p1's retry nor twice

    again = RecordingSteps()
    second = start(again)
    await second.start()
    try:
        await send(work("prog-a", "p3"))
        await eventually(lambda: again.people() == {"p3"}, within=30)
    finally:
        await second.stop()
    assert again.people() == {"p3"}  # everything before was committed


class HeldSteps(RecordingSteps):
    """A step of `p1` finishes only once `release` is set."""

    def __init__(self) -> None:
        super().__init__()
        self.stepping, self.release = asyncio.Event(), asyncio.Event()

    async def step(self, program_id: str, work: Sequence[MatchWork]) -> None:
        if "p1" in [_person_of(w) for w in work]:
            self.stepping.set()
            await asyncio.wait_for(self.release.wait(), timeout=30)
        await super().step(program_id, work)


def _person_of(item: MatchWork) -> str | None:
    return item.data.item.person_id if isinstance(item.data.item, PersonChanged) else None


async def test_work_fetched_after_the_window_while_a_step_ran_joins_the_next_batch(
    kafka_bootstrap: str, topics: Topics, unique: str, send: Send
) -> None:
    consumer = AIOKafkaConsumer(
        bootstrap_servers=kafka_bootstrap,
        group_id=f"work-{unique}",
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    steps = HeldSteps()
    coordinator = Coordinator(
        consumer,
        steps,
        topic=topics.match_work,
        window=0,  # the batch behind p1 closes with its first fetch
        max_records=1000,
        retry_seconds=0.1,
        dead_letter=RecordingDeadLetters(),
    )
    await send(work("prog-a", "p1"))
    await coordinator.start()
    try:
        await eventually(steps.stepping.is_set, within=30)
        await send(work("prog-a", "p2"))
        await eventually(lambda: "p2" in steps.expected, within=30)  # its batch is closed
        await send(work("prog-a", "p3"))  # fetched while p1's step still runs

        def fetched_p3() -> bool:
            return (
                max((consumer.highwater(tp) or 0 for tp in consumer.assignment()), default=0) >= 3
            )

        await eventually(fetched_p3, within=30)
        steps.release.set()
        await eventually(lambda: steps.people() == {"p1", "p2", "p3"}, within=30)
    finally:
        await coordinator.stop()

    assert [people for _, people in steps.steps] == [["p1"], ["p2", "p3"]]
