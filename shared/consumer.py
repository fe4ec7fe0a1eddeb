"""Batched consumption: one poll, many records, one commit.

Committing after every record caps a consumer at a few hundred records per second whatever its
handler does, so the services' hot consumers take records in batches. Within a batch, records
with the same key run one after another in offset order and different keys run concurrently, so
per-key ordering holds exactly as with one record at a time. The contract stays per record:

- a record that does not parse or validate, or whose handler raises a `POISON` error, is copied
  to the dead-letter topic (as the single-record middleware in `shared.kafka` does) and skipped;
- any other error is retried for that record after a back-off, in place, so the rest of its key
  waits and nothing later on that key overtakes it (`shared.retry.in_place`). After
  `ATTEMPTS_IN_PLACE` the batch is given
  up instead (the other keys finish first): it is not committed, the consumer seeks back and
  polls it again. Polling on keeps the consumer in its group through a long outage, where retrying
  in place for longer than `max_poll_interval_ms` would hand its partitions to another consumer
  while it still works on them;
- the batch is committed once every record is handled or dead-lettered; a crash or a given-up
  batch redelivers it, which the handlers tolerate because every consumer here is idempotent.
  (A record dead-lettered in a batch that is then given up is dead-lettered again.)

Handlers of one poll that insert into the same collection at about the same time share their
round trips through `shared.inserts.Inserts`; each still waits for its own document, so the commit
still follows every write.
"""

import asyncio
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from aiokafka import ConsumerRecord
from faststream import Context
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage
from pydantic import TypeAdapter

from shared import retry
from shared.kafka import CONSUMER_DEFAULTS, POISON, REDELIVERED, InvalidMessage, dead_letter
from shared.retry import ATTEMPTS_IN_PLACE
from shared.runtime import RUNTIME
from shared.settled import settled

T = TypeVar("T")

BATCH_RECORDS = 500
"""At most this many records per poll."""
CONCURRENT_KEYS = 32
"""At most this many keys of one batch are handled at the same time, unless a consumer says."""
__all__ = ["ATTEMPTS_IN_PLACE", "BATCH_RECORDS", "Delivery", "Handle", "subscribe_batches"]


@dataclass(frozen=True)
class Delivery(Generic[T]):
    """One record of a batch: its parsed value (None for a tombstone) and where it came from."""

    value: T | None
    key: str | None
    record: Any

    @property
    def payload(self) -> T:
        """The value of a topic without tombstones."""
        if self.value is None:
            raise InvalidMessage("the record has no value")
        return self.value


Handle = Callable[[Delivery[T], Any], Awaitable[None]]
"""A record's handler; its second argument is the service's runtime (`shared.runtime`)."""


def subscribe_batches(
    broker: KafkaBroker,
    topic: str,
    payload: Any,
    handle: Handle[Any],
    *,
    group_id: str,
    description: str,
    retry_seconds: float,
    tombstones: bool = False,
    concurrent_keys: int = CONCURRENT_KEYS,
) -> None:
    """Consume `topic` in batches, calling `handle` once per record (see the module docstring).

    `payload` is the record's type (a model or an annotated union); it also documents the
    channel. With `tombstones`, a record without a value reaches `handle` with value None.
    `concurrent_keys` bounds the keys of a batch handled at once."""
    adapter: TypeAdapter[Any] = TypeAdapter(payload)

    async def run(records: Sequence[ConsumerRecord[Any, Any]], runtime: Any) -> None:
        by_key: dict[Any, list[Any]] = defaultdict(list)
        for record in records:
            by_key[record.key].append(record)
        limit = asyncio.Semaphore(concurrent_keys)

        async def one_key(group: list[Any]) -> None:
            async with limit:
                for record in group:
                    await _handle_one(record, runtime)  # raises when given up: later ones wait

        await settled(*(one_key(group) for group in by_key.values()))

    async def _handle_one(record: Any, runtime: Any) -> None:
        """Raises the last transient error once the tries in place are spent."""
        logged = retry.logged("retrying", topic=record.topic, offset=record.offset)

        def redelivering(state: retry.RetryCallState) -> None:
            REDELIVERED.labels(record.topic).inc()
            logged(state)

        retrying = retry.in_place(retry_seconds, unless=POISON, before_sleep=redelivering)
        try:
            await retrying(_apply, record, runtime)
        except POISON as error:
            await dead_letter(broker, record, error)

    async def _apply(record: Any, runtime: Any) -> None:
        value = _parse(adapter, record, tombstones=tombstones)
        key = record.key.decode() if record.key else None
        await handle(Delivery(value=value, key=key, record=record), runtime)

    async def consume(
        record: payload | None,
        message: KafkaMessage,
        runtime: Any = Context(RUNTIME, default=None),
    ) -> None:
        await run(message.raw_message, runtime)

    consume.__name__ = consume.__qualname__ = getattr(handle, "__name__", "consume")
    broker.subscriber(
        topic,
        batch=True,
        max_records=BATCH_RECORDS,
        group_id=group_id,
        decoder=_no_decoding,
        description=description,
        **CONSUMER_DEFAULTS,
    )(consume)


async def _no_decoding(message: Any) -> None:
    """Records are parsed one by one in `consume`, so one bad record cannot fail the batch; the
    handler's `record` parameter only documents the channel's payload."""
    return None


def _parse(adapter: TypeAdapter[Any], record: Any, *, tombstones: bool) -> Any:
    if record.value is None and tombstones:
        return None
    return adapter.validate_json(record.value or b"")
