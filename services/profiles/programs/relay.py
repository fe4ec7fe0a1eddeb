"""Publishes `program.changed` from the programs' embedded outboxes (`shared.relay_loop`).

Writes hand the relay the record they stored, so the usual path publishes without a read; the
sweep (at start-up and every `sweep_seconds`) finds what a crash or a failed publish left. Each
program's entries go out in version order, keyed by program id; published entries are removed
at once under the program's lock (the store applies an update as a read and a write, so it must
not interleave with a change of the same program). After a crash between publishing and
removing, the same event (same `event_id` and `version`) goes out again, and consumers ignore a
version they hold.
"""

from collections.abc import Sequence

from services.profiles.locks import KeyedLocks
from services.profiles.programs.records import ProgramRecord
from services.profiles.programs.store import ProgramStore
from services.profiles.sent import SentLog
from shared.outbox import Entry, Pending, Taken
from shared.publisher import Message, Publisher
from shared.relay_loop import RelayLoop


class ProgramOutbox:
    def __init__(self, store: ProgramStore, *, topic: str, locks: KeyedLocks) -> None:
        self._store, self._topic, self._locks = store, topic, locks
        self._handed: dict[str, ProgramRecord] = {}
        self._sent = SentLog(size=10_000)

    def written(self, record: ProgramRecord) -> None:
        held = self._handed.get(record.id)
        if held is None or held.version <= record.version:
            self._handed[record.id] = record

    async def take(self, scope: bool) -> Taken[ProgramRecord]:
        """`scope` False: what writes handed over; True: also every program with pending events."""
        records = dict(self._handed)
        self._handed = {}
        if scope:
            for record in await self._store.pending():
                if record.id not in records or records[record.id].version < record.version:
                    records[record.id] = record
        # A record whose entries all went out is taken too: its marking is what remains.
        return Taken([self._pending(record) for record in records.values()])

    def sent(self, entry: Entry) -> None:
        self._sent.add(entry.id)

    async def record(
        self, sent: Sequence[Pending[ProgramRecord]], *, scope: bool, whole: bool
    ) -> None:
        for pending in sent:
            async with self._locks.hold(pending.key):
                await self._store.mark(pending.key, pending.source.outbox)

    def settle_in(self) -> float | None:
        return None

    async def settle(self) -> None:
        return None

    def _pending(self, record: ProgramRecord) -> Pending[ProgramRecord]:
        key = record.id.encode()
        entries = [
            Entry(e.event_id, (Message(self._topic, key, e.payload.encode(), e.headers),))
            for e in record.outbox
            if e.event_id not in self._sent
        ]
        return Pending(record.id, entries, record)


class ProgramRelay(RelayLoop[ProgramRecord]):
    """The relay loop over program outboxes; the program service tells it about every write."""

    def __init__(
        self,
        store: ProgramStore,
        publisher: Publisher,
        *,
        topic: str,
        locks: KeyedLocks,
        sweep_seconds: float = 5.0,
        retry_seconds: float = 1.0,
    ) -> None:
        self.outbox = ProgramOutbox(store, topic=topic, locks=locks)
        super().__init__(
            self.outbox, publisher, sweep_seconds=sweep_seconds, retry_seconds=retry_seconds
        )

    def written(self, record: ProgramRecord) -> None:
        self.outbox.written(record)
        self.wake()
