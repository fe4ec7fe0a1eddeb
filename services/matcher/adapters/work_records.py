"""The records of the work topic as the coordinator collects them: batches, their work items
and their offsets."""

import contextlib
from dataclasses import dataclass
from typing import TypeAlias

from aiokafka import ConsumerRecord, TopicPartition
from pydantic import ValidationError

from services.matcher.usecases.work import MatchWork

Record: TypeAlias = ConsumerRecord[bytes, bytes]


@dataclass(frozen=True)
class Batch:
    """Records collected in one window, and the rebalance generation they were fetched in."""

    generation: int
    records: list[Record]


def parsed(records: list[Record]) -> list[MatchWork]:
    """The work items among these records (one that does not parse is dead-lettered when its
    batch is stepped)."""
    found = []
    for record in records:
        with contextlib.suppress(ValidationError):
            found.append(MatchWork.model_validate_json(record.value or b""))
    return found


def next_offsets(records: list[Record]) -> dict[TopicPartition, int]:
    offsets: dict[TopicPartition, int] = {}
    for r in records:
        tp = TopicPartition(r.topic, r.partition)
        offsets[tp] = max(offsets.get(tp, 0), r.offset + 1)
    return offsets


def first_offsets(records: list[Record]) -> dict[TopicPartition, int]:
    offsets: dict[TopicPartition, int] = {}
    for r in records:
        tp = TopicPartition(r.topic, r.partition)
        offsets[tp] = min(offsets.get(tp, r.offset), r.offset)
    return offsets
