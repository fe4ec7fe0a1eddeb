"""The relay: publishes the events waiting in profile outboxes, in version order per profile, and
then marks them sent.

Every write hands the relay the record it stored (`end`), so the usual path publishes without
reading the store; published outboxes are then emptied in batches (`marks.py`). The relay also
sweeps the whole collection every `sweep_seconds`, so nothing is stranded: not by a
Kafka outage, a crash between write and publish, nor a write by another process (the bulk import).

Exactly once, precisely: the producer is idempotent with acks=all, so Kafka never stores a retried
send twice, and the relay remembers what it has published (`SentLog`), so it never publishes an
event twice itself. One window remains: an event published, and then the process dies (or the
store fails) before the outbox entry is marked sent. The entry is then published again after the
restart, with the same `event_id` and `version`. Consumers must therefore drop an event whose
(`event_id`, `version`) they have seen, or simply any event whose version is not newer than what
they hold. A publish is never cancelled on purpose: a cancelled send may still be delivered, so
the relay always waits for its outcome before deciding what to mark.
"""

import asyncio
import time
from enum import Enum
from typing import Protocol

import structlog

from services.profiles.locks import KeyedLocks
from services.profiles.marks import EpochMarks
from services.profiles.metrics import EVENTS_PUBLISHED, OUTBOX_BACKLOG, RELAY_FAILURES
from services.profiles.outbox import OutboxStore
from services.profiles.records import OutboxEntry, ProfileRecord
from services.profiles.sent import SentLog

log = structlog.get_logger(__name__)


class Pass(Enum):
    DONE = "done"
    MORE = "more"  # a full batch: sweep again right away
    FAILED = "failed"  # something was not published: back off, then sweep


class EventSink(Protocol):
    """Where canonical events go: the compacted topic, keyed by profile id (None: a tombstone)."""

    async def send(self, *, key: str, value: bytes | None, headers: dict[str, str]) -> None: ...


class Relay:
    def __init__(
        self,
        store: OutboxStore,
        sink: EventSink,
        *,
        locks: KeyedLocks,
        sweep_seconds: float = 5.0,
        batch_size: int = 500,
        retry_seconds: float = 1.0,
        mark_every: float = 1.0,
    ) -> None:
        self._store, self._sink = store, sink
        self._sweep_seconds, self._batch, self._retry = sweep_seconds, batch_size, retry_seconds
        self._hinted: dict[str, ProfileRecord] = {}
        self._sent = SentLog()
        self._marks = EpochMarks(store, locks, self._sent, every=mark_every)
        self._wake, self._stopped = asyncio.Event(), asyncio.Event()
        self._writes = self._backlog = 0

    def begin(self) -> str:
        """A write is about to be made: the stamp to store with it (see marks.py)."""
        return self._marks.begin()

    def end(self, stamp: str, record: ProfileRecord | None, *, certain: bool = True) -> None:
        """The write stamped `stamp` stored `record` (None: nothing); publish its event soon."""
        self._marks.end(stamp, record, certain=certain)
        if record is not None:
            self._hinted[record.id] = record
            self._writes += 1
            self._count_backlog(self._backlog + 1)
            self._wake.set()

    def stop(self) -> None:
        self._stopped.set()
        self._wake.set()

    def _count_backlog(self, events: int) -> None:
        self._backlog = events
        OUTBOX_BACKLOG.set(max(events, 0))

    async def run(self, ready: asyncio.Event) -> None:
        """Publish until stopped; waits for `ready` (the broker connected) before each pass."""
        sweep, last_sweep = True, 0.0
        while not self._stopped.is_set():
            if not sweep:
                woken = await self._woken(self._idle_seconds(last_sweep))
                sweep = not woken and time.monotonic() - last_sweep >= self._sweep_seconds
            if not await self._until(ready):
                break
            last_sweep = time.monotonic() if sweep else last_sweep
            try:
                result = await self.pass_once(sweep=sweep)
                if sweep or self._marks.due_in() == 0:
                    await self._marks.flush()
            except Exception:
                log.exception("relay_pass_failed")
                result = Pass.FAILED
            sweep = result is not Pass.DONE
            if result is Pass.FAILED:
                RELAY_FAILURES.inc()
                await self._woken(self._retry)
        await self.flush()

    async def flush(self) -> None:
        """Mark everything published so far (on stop, and in tests)."""
        await self._marks.flush()

    def _idle_seconds(self, last_sweep: float) -> float:
        until_sweep = self._sweep_seconds - (time.monotonic() - last_sweep)
        until_marks = self._marks.due_in()
        return until_sweep if until_marks is None else min(until_sweep, until_marks)

    async def _until(self, ready: asyncio.Event) -> bool:
        """Wait for `ready`; False if stopped first."""
        waiting = asyncio.ensure_future(ready.wait())
        stopping = asyncio.ensure_future(self._stopped.wait())
        await asyncio.wait([waiting, stopping], return_when=asyncio.FIRST_COMPLETED)
        waiting.cancel()
        stopping.cancel()
        return not self._stopped.is_set()

    async def _woken(self, seconds: float) -> bool:
        """True if woken by a write or `stop` within `seconds`."""
        try:
            await asyncio.wait_for(self._wake.wait(), max(seconds, 0.0))
        except TimeoutError:
            return False
        self._wake.clear()
        return True

    async def pass_once(self, *, sweep: bool) -> Pass:
        """Publish one batch: the records handed over by writes, or (`sweep`) any stored record
        with pending events. Marking them sent follows in batches (`flush`)."""
        records, complete = await self._sweep() if sweep else self._take_hinted()
        sent = await asyncio.gather(*(self._publish(record) for record in records))
        for record, whole in zip(records, sent, strict=True):
            if whole:
                self._marks.published(record)
        if not all(sent):
            return Pass.FAILED
        return Pass.DONE if complete else Pass.MORE

    def _take_hinted(self) -> tuple[list[ProfileRecord], bool]:
        records, self._hinted = list(self._hinted.values()), {}
        return records, True

    async def _sweep(self) -> tuple[list[ProfileRecord], bool]:
        self._hinted.clear()
        writes = self._writes
        records = await self._store.pending(limit=self._batch)
        # Writes during the read may or may not be in it: counted, so an over-count at worst,
        # corrected by the next sweep.
        self._count_backlog(sum(len(self._sent.unsent(r)) for r in records) + self._writes - writes)
        return records, len(records) < self._batch

    async def _publish(self, record: ProfileRecord) -> bool:
        """Publish `record`'s unpublished events in order; False if one failed (the rest wait)."""
        for entry in self._sent.unsent(record):
            try:
                await self._sink.send(
                    key=record.id, value=entry.payload.encode(), headers=entry.headers
                )
                if entry.needs_tombstone:
                    await self._sink.send(key=record.id, value=None, headers=_tombstone(entry))
            except Exception as exc:
                log.warning(
                    "publish_failed", profile_id=record.id, version=entry.version, error=repr(exc)
                )
                return False
            self._sent.add(entry.event_id)
            EVENTS_PUBLISHED.labels(entry.event_type).inc()
            self._count_backlog(self._backlog - 1)
        return True


def _tombstone(deletion: OutboxEntry) -> dict[str, str]:
    """A tombstone's headers: only the deletion's correlation id (it is no event of its own)."""
    correlation_id = deletion.headers.get("correlation_id")
    return {"correlation_id": correlation_id} if correlation_id else {}
