"""Deciding a change of a program (pure: no I/O). A change that alters nothing is no change: it
writes nothing and publishes nothing, so repeating a request is harmless."""

from dataclasses import dataclass
from datetime import datetime

from services.profiles.changes import Origin
from services.profiles.errors import VersionMismatch
from services.profiles.programs.records import ProgramRecord
from services.profiles.records import OutboxEntry
from shared.events import ProgramChanged
from shared.programs import ProgramFields


@dataclass(frozen=True)
class Decision:
    """The record to store (None: nothing changes) and the record the caller gets back."""

    store: ProgramRecord | None
    result: ProgramRecord


def decide(
    program_id: str,
    current: ProgramRecord | None,
    fields: ProgramFields,
    origin: Origin,
    *,
    expected_version: int | None,
    now: datetime,
) -> Decision:
    """`expected_version`: None for any; 0 for "must not exist yet"."""
    actual = current.version if current else 0
    if expected_version is not None and expected_version != actual:
        raise VersionMismatch(expected=expected_version, actual=actual)
    if current is not None and current.fields == fields:
        return Decision(None, current)
    version = actual + 1
    record = ProgramRecord(id=program_id, fields=fields, version=version, updated_at=now)
    event = ProgramChanged(
        producer=origin.producer, correlation_id=origin.correlation_id, data=record.snapshot()
    )
    waiting = current.outbox if current else []  # not yet published: they go out first
    stored = record.model_copy(update={"outbox": [*waiting, OutboxEntry.of(event, version)]})
    return Decision(stored, stored)
