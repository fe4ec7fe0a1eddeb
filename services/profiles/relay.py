"""The profiles relay: the shared relay loop (`shared.relay_loop`) over the outboxes embedded in
profile documents, publishing in version order per profile.

Every write of this process hands the relay the record it stored (`written`), so the usual path
publishes without reading the store; a key that failed to go out is kept and tried again. Writes
of a process without a relay (the bulk import) leave hints (`hints.py`): their profiles are read
by `_id`. Published events are marked sent in batches of inserts, and leave their outboxes later,
in batches of point updates, once the relay is quiet (`marks.py`). Only
the recovery sweep reads the whole collection: at start-up (events left by a crash or by a writer
that died before its hint) and then every `recover_seconds`.

On top of the shared relay's guarantees (`shared.outbox`), this process remembers what it has
published (`SentLog`), so a record handed over again before its outbox was emptied never makes it
publish an event twice itself. A deletion is followed by a tombstone on the compacted topic. After
a crash between publishing and marking, the same event (same `event_id` and `version`) goes out
again: consumers drop any event whose version is not newer than what they hold.
"""

import asyncio
from collections.abc import Iterable, Sequence

from services.profiles.finds import Finds
from services.profiles.hints import HintStore
from services.profiles.locks import KeyedLocks
from services.profiles.marks import Marks
from services.profiles.metrics import EVENTS_PUBLISHED, OUTBOX_BACKLOG, RELAY_FAILURES
from services.profiles.outbox import OutboxStore
from services.profiles.records import OutboxEntry, ProfileRecord
from services.profiles.sent import SentLog
from shared.outbox import Entry, Pending, Taken
from shared.publisher import Message, Publisher
from shared.relay_loop import RelayLoop

SWEEP_READ_WAIT = 0.5
"""Seconds the service's relay waits for a batch of the recovery sweep (`finds.py`)."""


class ProfileOutbox:
    """The relay's port: records handed over, hinted or swept; marked sent by `Marks`."""

    def __init__(
        self,
        store: OutboxStore,
        *,
        topic: str,
        locks: KeyedLocks,
        batch: int,
        mark_every: float,
        trim_quiet: float,
        hints: HintStore | None = None,
        recover_every: float = 300.0,
        read_wait: float | None = None,
    ) -> None:
        self._topic = topic
        self._handed: dict[str, ProfileRecord] = {}  # written (or failed to go out), not taken
        self._taken: list[ProfileRecord] = []
        self._sent = SentLog()
        self._marks = Marks(store, locks, self._sent, every=mark_every, quiet=trim_quiet)
        self._finds = Finds(
            store,
            hints,
            self._sent,
            batch=batch,
            recover_every=recover_every,
            backlog=self._count_backlog,
            trimming=lambda: self._marks.trimming,
            read_wait=read_wait,
        )
        self._backlog = 0

    def written(self, record: ProfileRecord) -> None:
        """`record` is stored, or was read with events that may wait: publish them soon."""
        if self._sent.unsent(record):
            self._hand(record)
            self._count_backlog(self._backlog + 1)

    async def take(self, scope: bool) -> Taken[ProfileRecord]:
        """`scope` False: what writes handed over. True: also hinted profiles, and a batch of
        the recovery sweep when one is due or under way."""
        records, complete = list(self._handed.values()), True
        self._handed = {}
        if scope:
            found, complete = await self._finds.find()
            records = _newest([*records, *found])
        self._taken = records
        return Taken([self._pending(record) for record in records], complete)

    def sent(self, entry: Entry) -> None:
        self._sent.add(entry.id)
        EVENTS_PUBLISHED.labels(entry.messages[0].headers["event_type"]).inc()
        self._count_backlog(self._backlog - 1)

    async def record(
        self, sent: Sequence[Pending[ProfileRecord]], *, scope: bool, whole: bool
    ) -> None:
        out = {pending.key for pending in sent}
        for record in self._taken:
            if record.id in out:
                self._marks.published(record)
            else:
                self._hand(record)  # tried again on the next pass
        self._taken = []
        if scope:
            await self._finds.done(whole=whole)

    def settle_in(self) -> float | None:
        return self._marks.due_in()

    async def settle(self) -> None:
        await self._marks.settle()

    async def flush(self) -> None:
        await self._marks.flush()

    def close(self) -> None:
        self._finds.close()

    def _hand(self, record: ProfileRecord) -> None:
        held = self._handed.get(record.id)
        if held is None or held.version <= record.version:
            self._handed[record.id] = record

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


def _newest(records: Iterable[ProfileRecord]) -> list[ProfileRecord]:
    """One record per profile: the newest version seen."""
    newest: dict[str, ProfileRecord] = {}
    for record in records:
        held = newest.get(record.id)
        if held is None or held.version <= record.version:
            newest[record.id] = record
    return list(newest.values())


class Relay(RelayLoop[ProfileRecord]):
    """The relay loop over profile outboxes; the service tells it about every write."""

    def __init__(
        self,
        store: OutboxStore,
        publisher: Publisher,
        *,
        topic: str,
        locks: KeyedLocks,
        hints: HintStore | None = None,
        sweep_seconds: float = 5.0,
        recover_seconds: float = 300.0,
        batch_size: int = 500,
        retry_seconds: float = 1.0,
        mark_every: float = 1.0,
        trim_quiet: float | None = None,
        read_wait: float | None = None,
    ) -> None:
        """`trim_quiet`: seconds without a publish before a backlog of published entries leaves
        its outboxes (`marks.py`); by default twice `sweep_seconds`, so that an import's hints,
        read once per sweep, keep it waiting until they are all published. `read_wait`: how long
        a pass waits for a batch of the recovery sweep before it goes on publishing what writes
        hand over (`finds.py`; None: the whole read)."""
        self.outbox = ProfileOutbox(
            store,
            topic=topic,
            locks=locks,
            batch=batch_size,
            mark_every=mark_every,
            trim_quiet=2 * sweep_seconds if trim_quiet is None else trim_quiet,
            hints=hints,
            recover_every=recover_seconds,
            read_wait=read_wait,
        )
        super().__init__(
            self.outbox,
            publisher,
            sweep_seconds=sweep_seconds,
            retry_seconds=retry_seconds,
            on_failure=RELAY_FAILURES.inc,
        )

    def written(self, record: ProfileRecord) -> None:
        """`record` is stored (or was read with events that may wait): publish them now."""
        self.outbox.written(record)
        self.wake()

    async def run(self, ready: asyncio.Event) -> None:
        try:
            await super().run(ready)
        finally:
            self.outbox.close()  # a batch of the recovery sweep still being read

    async def flush(self) -> None:
        """Mark and trim everything published so far (in tests)."""
        await self.outbox.flush()


def _tombstone(deletion: OutboxEntry) -> dict[str, str]:
    """A tombstone's headers: only the deletion's correlation id (it is no event of its own)."""
    correlation_id = deletion.headers.get("correlation_id")
    return {"correlation_id": correlation_id} if correlation_id else {}
