"""The profiles relay: the shared relay loop (`shared.relay_loop`) over the outboxes embedded in
profile documents, publishing in version order per profile.

Every write hands the relay the record it stored (`end`), so the usual path publishes without
reading the store; published outboxes are then emptied in batches (`marks.py`). The loop also
sweeps the whole collection every `sweep_seconds` (see `shared.relay_loop`).

On top of the shared relay's guarantees (`shared.outbox`), this process remembers what it has
published (`SentLog`), so a record handed over again before its outbox was emptied never makes it
publish an event twice itself. A deletion is followed by a tombstone on the compacted topic. After
a crash between publishing and marking, the same event (same `event_id` and `version`) goes out
again: consumers drop any event whose version is not newer than what they hold.
"""

from collections.abc import Sequence

from services.profiles.locks import KeyedLocks
from services.profiles.marks import EpochMarks
from services.profiles.metrics import EVENTS_PUBLISHED, OUTBOX_BACKLOG, RELAY_FAILURES
from services.profiles.outbox import OutboxStore
from services.profiles.records import OutboxEntry, ProfileRecord
from services.profiles.sent import SentLog
from shared.outbox import Entry, Pending, Taken
from shared.publisher import Message, Publisher
from shared.relay_loop import RelayLoop


class ProfileOutbox:
    """The relay's port: pending records (handed over, or swept), marked sent by `EpochMarks`."""

    def __init__(
        self, store: OutboxStore, *, topic: str, locks: KeyedLocks, batch: int, mark_every: float
    ) -> None:
        self._store, self._topic, self._batch = store, topic, batch
        self._hinted: dict[str, ProfileRecord] = {}
        self._sent = SentLog()
        self._marks = EpochMarks(store, locks, self._sent, every=mark_every)
        self._writes = self._backlog = 0
        self._after: str | None = None  # where the sweep round goes on; None: from the start
        self._round_backlog = self._round_writes = 0

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

    async def take(self, scope: bool) -> Taken[ProfileRecord]:
        """`scope` True: sweep the store for any record with pending events."""
        records, complete = await self._sweep() if scope else self._take_hinted()
        return Taken([self._pending(record) for record in records], complete)

    def sent(self, entry: Entry) -> None:
        self._sent.add(entry.id)
        EVENTS_PUBLISHED.labels(entry.messages[0].headers["event_type"]).inc()
        self._count_backlog(self._backlog - 1)

    async def record(
        self, sent: Sequence[Pending[ProfileRecord]], *, scope: bool, whole: bool
    ) -> None:
        for pending in sent:
            self._marks.published(pending.source)

    def settle_in(self) -> float | None:
        return self._marks.due_in()

    async def settle(self) -> None:
        await self._marks.flush()

    def _take_hinted(self) -> tuple[list[ProfileRecord], bool]:
        records, self._hinted = list(self._hinted.values()), {}
        return records, True

    async def _sweep(self) -> tuple[list[ProfileRecord], bool]:
        """One batch of a sweep round, in id order, starting where the round's last batch ended.

        A round reaches every pending record however many wait. Without the cursor, a backlog
        larger than a batch stalled: the first batch kept returning records already published but
        not yet marked (their epoch waits for records beyond the batch), so nothing else was ever
        published."""
        if self._after is None:
            self._hinted.clear()  # a round from the start covers what writes handed over
            self._round_backlog, self._round_writes = 0, self._writes
        records = await self._store.pending(limit=self._batch, after=self._after)
        complete = len(records) < self._batch
        self._after = None if complete else records[-1].id
        self._round_backlog += sum(len(self._sent.unsent(r)) for r in records)
        if complete:
            # Writes during the round may or may not be in it: counted, so an over-count at
            # worst, corrected by the next round.
            self._count_backlog(self._round_backlog + self._writes - self._round_writes)
        return records, complete

    def _pending(self, record: ProfileRecord) -> Pending[ProfileRecord]:
        entries = [self._entry(record.id, entry) for entry in self._sent.unsent(record)]
        return Pending(record.id, entries, record)

    def _entry(self, profile_id: str, entry: OutboxEntry) -> Entry:
        key = profile_id.encode()
        event = Message(self._topic, key, entry.payload.encode(), entry.headers)
        if not entry.needs_tombstone:
            return Entry(entry.event_id, (event,))
        return Entry(entry.event_id, (event, Message(self._topic, key, None, _tombstone(entry))))

    def _count_backlog(self, events: int) -> None:
        self._backlog = events
        OUTBOX_BACKLOG.set(max(events, 0))


class Relay(RelayLoop[ProfileRecord]):
    """The relay loop over profile outboxes; the service tells it about every write."""

    def __init__(
        self,
        store: OutboxStore,
        publisher: Publisher,
        *,
        topic: str,
        locks: KeyedLocks,
        sweep_seconds: float = 5.0,
        batch_size: int = 500,
        retry_seconds: float = 1.0,
        mark_every: float = 1.0,
    ) -> None:
        self.outbox = ProfileOutbox(
            store, topic=topic, locks=locks, batch=batch_size, mark_every=mark_every
        )
        super().__init__(
            self.outbox,
            publisher,
            sweep_seconds=sweep_seconds,
            retry_seconds=retry_seconds,
            on_failure=RELAY_FAILURES.inc,
        )

    def begin(self) -> str:
        return self.outbox.begin()

    def end(self, stamp: str, record: ProfileRecord | None, *, certain: bool = True) -> None:
        self.outbox.end(stamp, record, certain=certain)
        if record is not None:
            self.wake()

    async def flush(self) -> None:
        """Mark everything published so far (on stop, and in tests)."""
        await self.outbox.settle()


def _tombstone(deletion: OutboxEntry) -> dict[str, str]:
    """A tombstone's headers: only the deletion's correlation id (it is no event of its own)."""
    correlation_id = deletion.headers.get("correlation_id")
    return {"correlation_id": correlation_id} if correlation_id else {}
