"""The relay: publishes the events waiting in profile outboxes, in version order per profile, and
then marks them sent.

It is woken right after every write (`notify`) and also sweeps the whole collection every
`sweep_seconds`, so nothing is stranded: not by a Kafka outage, a crash between write and publish,
nor a write by another process such as the bulk import.

Exactly once, precisely: the producer is idempotent with acks=all, so Kafka never stores a retried
send twice. One window remains: an event published, and then the process dies (or the store fails)
before the outbox entry is marked sent. The entry is then published again on the next pass, with
the same `event_id` and `version`. Consumers must therefore drop an event whose (`event_id`,
`version`) they have seen, or simply any event whose version is not newer than what they hold.
A publish is never cancelled mid-flight on purpose: a cancelled send may still be delivered, so we
always wait for its outcome before deciding what to mark.
"""

import asyncio
import time
from collections.abc import Sequence
from enum import Enum
from typing import Protocol

import structlog

from services.profiles.locks import KeyedLocks
from services.profiles.metrics import EVENTS_PUBLISHED, OUTBOX_BACKLOG, RELAY_FAILURES
from services.profiles.records import OutboxEntry, ProfileRecord
from services.profiles.store import ProfileStore

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
        store: ProfileStore,
        sink: EventSink,
        *,
        locks: KeyedLocks,
        sweep_seconds: float = 5.0,
        batch_size: int = 500,
        retry_seconds: float = 1.0,
    ) -> None:
        self._store, self._sink, self._locks = store, sink, locks
        self._sweep_seconds, self._batch, self._retry = sweep_seconds, batch_size, retry_seconds
        self._hinted: set[str] = set()
        self._wake = asyncio.Event()
        self._stopped = asyncio.Event()
        self._writes = 0
        self._backlog = 0

    def notify(self, profile_id: str) -> None:
        """A write just appended one event for `profile_id`: publish it soon."""
        self._hinted.add(profile_id)
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
                sweep = not await self._woken(self._sweep_seconds - (time.monotonic() - last_sweep))
            if not await self._until(ready):
                return
            last_sweep = time.monotonic() if sweep else last_sweep
            try:
                result = await self.pass_once(sweep=sweep)
            except Exception:
                log.exception("relay_pass_failed")
                result = Pass.FAILED
            sweep = result is not Pass.DONE
            if result is Pass.FAILED:
                RELAY_FAILURES.inc()
                await self._woken(self._retry)

    async def _until(self, ready: asyncio.Event) -> bool:
        """Wait for `ready`; False if stopped first."""
        waiting = asyncio.ensure_future(ready.wait())
        stopping = asyncio.ensure_future(self._stopped.wait())
        await asyncio.wait([waiting, stopping], return_when=asyncio.FIRST_COMPLETED)
        waiting.cancel()
        stopping.cancel()
        return not self._stopped.is_set()

    async def _woken(self, seconds: float) -> bool:
        """True if woken by `notify` or `stop` within `seconds`."""
        try:
            await asyncio.wait_for(self._wake.wait(), max(seconds, 0.0))
        except TimeoutError:
            return False
        self._wake.clear()
        return True

    async def pass_once(self, *, sweep: bool) -> "Pass":
        """Publish one batch: the hinted profiles, or (`sweep`) any with pending events."""
        if sweep:
            self._hinted.clear()
            writes = self._writes
            records = await self._store.pending(limit=self._batch)
            # Writes during the read may or may not be in it: count them (an over-count at worst,
            # corrected by the next sweep).
            self._count_backlog(sum(len(r.outbox) for r in records) + self._writes - writes)
            complete = len(records) < self._batch
        else:
            ids, self._hinted = self._hinted, set()
            found = await asyncio.gather(*(self._store.get(i) for i in ids))
            records, complete = [r for r in found if r is not None and r.outbox], True
        counts = await asyncio.gather(*(self._publish(r) for r in records))
        await self._mark(records, counts)
        if any(n < len(r.outbox) for r, n in zip(records, counts, strict=True)):
            return Pass.FAILED
        return Pass.DONE if complete else Pass.MORE

    async def _publish(self, record: ProfileRecord) -> int:
        """Publish `record`'s pending events in order; how many went out before any failure."""
        for sent, entry in enumerate(record.outbox):
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
                return sent
            EVENTS_PUBLISHED.labels(entry.event_type).inc()
            self._count_backlog(self._backlog - 1)
        return len(record.outbox)

    async def _mark(self, records: Sequence[ProfileRecord], counts: Sequence[int]) -> None:
        """Remove what was published; a tombstone whose deletion went out is removed entirely."""
        done = [(r, n) for r, n in zip(records, counts, strict=True) if n]
        if not done:
            return
        async with self._locks.hold(*(r.id for r, _ in done)):
            whole = [r for r, n in done if n == len(r.outbox)]
            purged = [(r.id, r.version) for r in whole if r.deleted]
            cleared = [(r.id, r.version) for r in whole if not r.deleted]
            missed = await self._store.purge(purged) < len(purged)
            missed |= await self._store.clear_outboxes(cleared) < len(cleared)
            if missed or len(whole) < len(done):
                await self._mark_one_by_one(done)

    async def _mark_one_by_one(self, done: Sequence[tuple[ProfileRecord, int]]) -> None:
        """The slow path, for profiles written again since we read them or partly published."""
        for record, count in done:
            sent = {entry.event_id for entry in record.outbox[:count]}
            current = await self._store.get(record.id)
            if current is None or not sent & {e.event_id for e in current.outbox}:
                continue
            remaining = [e for e in current.outbox if e.event_id not in sent]
            await self._store.set_outbox(record.id, current.version, remaining)


def _tombstone(deletion: OutboxEntry) -> dict[str, str]:
    """A tombstone's headers: only the deletion's correlation id (it is no event of its own)."""
    correlation_id = deletion.headers.get("correlation_id")
    return {"correlation_id": correlation_id} if correlation_id else {}
