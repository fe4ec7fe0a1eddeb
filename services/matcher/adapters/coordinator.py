"""Consumes the work topic: one replica owns a program, and a burst becomes one step per program.

Kafka gives each partition of the work topic to one consumer of the group, and work is keyed by
program id, so only the owner of a program's partition steps that program. Ownership changes only
through a rebalance, and `on_partitions_revoked` waits (under the same lock as a step) until the
running step has finished and committed, then drops the engines of the lost programs; records
fetched while a rebalance happened are not stepped but fetched again (by whoever owns them now)
from their first offset. The slot
guard in the store covers what is left (a replica paused past its session timeout).

The next batch is collected while the current one is stepped (its window, then whatever was
fetched until that step ended), and the matcher is told of its work as it arrives
(`Steps.expect`: it starts reading the people named), so work that comes during a step waits
for that step only, not for a window after it as well. Batches are still
stepped and committed one after another, in offset order; whenever a batch is read again (a
failed step, a rebalance), the batch collected ahead is dropped and read again with it, so
nothing is stepped out of order or committed past what was stepped.

aiokafka is used directly here, not through FastStream, because the window (keep fetching until
`window` has passed since the first record), the commit after the whole batch and the rebalance
hook all need the consumer itself.
"""

import asyncio
import contextlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Protocol

import structlog
from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, TopicPartition
from aiokafka.errors import IllegalStateError, KafkaError
from pydantic import ValidationError

from services.matcher import metrics
from services.matcher.adapters.work_records import (
    Batch,
    Record,
    first_offsets,
    next_offsets,
    parsed,
)
from services.matcher.usecases.work import MatchWork
from shared import retry
from shared.kafka import DeadLetter

log = structlog.get_logger(__name__)


class Steps(Protocol):
    """What the coordinator drives: `matching.ProgramMatcher`."""

    async def step(self, program_id: str, work: Sequence[MatchWork]) -> None: ...
    def drop(self, program_ids: Iterable[str]) -> None: ...
    def expect(self, work: Sequence[MatchWork]) -> None:
        """This work arrived and will be stepped soon (or fetched again)."""
        ...

    async def recorded(self) -> None:
        """What the steps published is recorded sent (the relay finishes that after a step)."""
        ...


class StepFailed(Exception):
    """A batch could not be stepped; its records are fetched again after a pause."""


class Coordinator(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(
        self,
        consumer: AIOKafkaConsumer,
        matcher: Steps,
        *,
        topic: str,
        window: float,
        max_records: int,
        retry_seconds: float,
        dead_letter: DeadLetter,
    ) -> None:
        """`dead_letter` is `shared.kafka.dead_letter` on the service's broker (tests: a fake)."""
        self._consumer, self._matcher, self._topic = consumer, matcher, topic
        self._window, self._max, self._retry = window, max_records, retry_seconds
        self._dead_letter = dead_letter
        self._lock = asyncio.Lock()
        self._generation = 0
        self._owned: dict[str, TopicPartition] = {}
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._ahead: asyncio.Task[Batch] | None = None  # the next batch, collected meanwhile

    async def start(self) -> None:
        self._consumer.subscribe([self._topic], listener=self)
        await self._consumer.start()
        self._task = asyncio.create_task(self._run(), name="matcher-coordinator")

    async def stop(self) -> None:
        """Finish the running step (and its commit), then leave the group."""
        self._stopping.set()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self._matcher.recorded()
        await self._consumer.stop()

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    @property
    def partitions(self) -> set[TopicPartition]:
        """The work partitions this replica owns now (empty while a rebalance is under way)."""
        return set(self._consumer.assignment())

    async def on_partitions_revoked(self, revoked: Sequence[TopicPartition]) -> None:
        async with self._lock:
            await self._matcher.recorded()
            self._generation += 1
            lost = [program for program, tp in self._owned.items() if tp in set(revoked)]
            self._matcher.drop(lost)
            for program in lost:
                del self._owned[program]
        log.info("partitions_revoked", partitions=len(revoked), programs_dropped=len(lost))

    async def on_partitions_assigned(self, assigned: Sequence[TopicPartition]) -> None:
        log.info("partitions_assigned", partitions=sorted(tp.partition for tp in assigned))

    async def _run(self) -> None:
        """Round after round until stopped; a failed round is logged and, after a pause,
        followed by the next (`shared.retry.until_stopped`)."""
        retrying = retry.until_stopped(
            self._retry,
            on=(KafkaError, StepFailed),
            stopped=self._stopping.is_set,
            before_sleep=retry.logged("work_round_failed"),
        )
        try:
            while not self._stopping.is_set():
                await retrying(self._round)
        finally:
            await self._drop_ahead()  # not stepped, not committed: fetched again by the owner

    async def _round(self) -> None:
        batch = await self._collected()
        if not self._stopping.is_set():
            self._ahead = asyncio.create_task(self._collect(self._generation))
        async with self._lock:
            if batch.generation != self._generation:
                await self._rewind(batch.records)  # fetched across a rebalance: read them again
            elif batch.records:
                await self._handle(batch.records)

    async def _collected(self) -> Batch:
        """The batch collected ahead, with what was fetched while the step before it ran past
        its window; or one collected now."""
        ahead, self._ahead = self._ahead, None
        if ahead is None:
            return await self._collect(self._generation)
        batch = await ahead
        room = self._max - len(batch.records)
        if batch.records and room > 0:
            with contextlib.suppress(KafkaError):  # step what is there: nothing was taken
                batch.records.extend(await self._fetch(0, max_records=room))
        return batch

    async def _drop_ahead(self) -> list[Record]:
        """The records of the batch collected ahead, which will not be stepped."""
        ahead, self._ahead = self._ahead, None
        if ahead is None:
            return []
        try:
            return (await ahead).records
        except KafkaError:
            return []

    async def _collect(self, generation: int) -> Batch:
        """The first records available, plus whatever arrives within the window after them."""
        records = await self._fetch(0.5, max_records=self._max)
        deadline = asyncio.get_running_loop().time() + self._window
        while records and len(records) < self._max:
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                break
            try:
                records += await self._fetch(remaining, max_records=self._max - len(records))
            except KafkaError:
                break  # step what was fetched: its position has moved past it
        return Batch(generation, records)

    async def _fetch(self, wait: float, *, max_records: int) -> list[Record]:
        batches = await self._consumer.getmany(timeout_ms=int(wait * 1000), max_records=max_records)
        records = [r for part in batches.values() for r in part]
        self._matcher.expect(parsed(records))
        return records

    async def _handle(self, records: list[Record]) -> None:
        """Step every program of the batch, then commit; on failure, fetch it all again later."""
        try:
            work = await self._parse(records)
            for program_id, items in work.items():
                with metrics.STEP_SECONDS.time():
                    await self._matcher.step(program_id, items)
            await self._consumer.commit(next_offsets(records))
        except Exception as exc:
            await self._rewind(records)
            raise StepFailed(f"{len(records)} work records") from exc

    async def _rewind(self, records: list[Record]) -> None:
        """Fetch these records again, on the partitions that are still ours, and the batch
        collected ahead of them with them."""
        records = records + await self._drop_ahead()
        for tp, offset in first_offsets(records).items():
            with contextlib.suppress(IllegalStateError):  # no longer ours: the owner reads them
                self._consumer.seek(tp, offset)

    async def _parse(self, records: list[Record]) -> dict[str, list[MatchWork]]:
        work: dict[str, list[MatchWork]] = defaultdict(list)
        for record in records:
            try:
                item = MatchWork.model_validate_json(record.value or b"")
            except ValidationError as error:
                await self._dead_letter(record, error)
                continue
            metrics.WORK_ITEMS.labels(item.data.item.kind).inc()
            work[item.data.program_id].append(item)
            self._owned[item.data.program_id] = TopicPartition(record.topic, record.partition)
        return work
