"""Recording published events sent, in two steps: a cheap durable record now, the outboxes later.

1. Mark: one small document per published event (`OutboxStore.mark`, an `insert_many`), at most
   `every` seconds after it went out, so a burst shares its round trips. From then on the event is
   known to be out, also to a relay started after a crash (`Finds` reads the marks first).
2. Trim: the entries leave their profiles' outboxes (`OutboxStore.trim`: a `$pullAll` of exactly
   the entries published, by `_id`, then their marks go) and published tombstones are removed.
   On FerretDB v1 each trim reads and rewrites a whole profile document, 25 times the cost of a
   mark. A few waiting (the usual trickle of writes) are trimmed at once; more than a slice (a
   bulk import) wait until the relay has published nothing for `quiet` seconds, or has waited
   `patience` seconds, and then go in slices, giving way to new events: a bulk import is
   published first and tidied up after.

Until its trim, an entry published stays in its outbox and in the `SentLog` (held there, never
forgotten), so it is never published again by this process. A failed mark or trim is tried again
later; a crash before the mark only means those events are published again after the restart
(see `relay.py` on duplicates); a crash after it, that they are only trimmed.
"""

import time

from services.profiles.locks import KeyedLocks
from services.profiles.outbox import OutboxStore
from services.profiles.records import OutboxEntry, ProfileRecord
from services.profiles.sent import SentLog

TRIM_SLICE = 256
"""Profiles trimmed per `settle`, so that new events wait at most one slice."""
Published = dict[str, dict[str, OutboxEntry]]  # profile id -> event id -> entry


class Marks:
    def __init__(
        self,
        store: OutboxStore,
        locks: KeyedLocks,
        sent: SentLog,
        *,
        every: float,
        quiet: float = 10.0,
        patience: float = 300.0,
    ) -> None:
        self._store, self._locks, self._sent = store, locks, sent
        self._every, self._quiet, self._patience = every, quiet, patience
        self._waiting: float | None = None  # since when trims wait
        self._unmarked: Published = {}
        self._untrimmed: Published = {}
        self._tombstones: dict[str, int] = {}  # id -> version of its published deletion
        self._due: float | None = None  # when the marks are due
        self._last = time.monotonic()  # when something was last published

    def published(self, record: ProfileRecord) -> None:
        """Every event of `record` is out (by this process, now or before)."""
        entries = [entry for entry in record.outbox if entry.event_id in self._sent]
        marked = self._untrimmed.get(record.id, {})
        fresh = [entry for entry in entries if entry.event_id not in marked]
        if fresh:
            self._unmarked.setdefault(record.id, {}).update((e.event_id, e) for e in fresh)
            self._sent.hold(entry.event_id for entry in fresh)
            self._last = time.monotonic()
        if record.deleted and len(entries) == len(record.outbox):
            self._tombstones[record.id] = record.version
            self._waiting = self._waiting or time.monotonic()
        if fresh and self._due is None:
            self._due = time.monotonic() + self._every

    @property
    def trimming(self) -> bool:
        """Published events wait to leave their outboxes."""
        return bool(self._untrimmed or self._tombstones or self._unmarked)

    def due_in(self) -> float | None:
        """Seconds until `settle` has work; None if nothing waits."""
        now = time.monotonic()
        if self._due is not None:
            return max(self._due - now, 0.0)
        if self._waiting is None:
            return None
        if len(self._untrimmed) + len(self._tombstones) <= TRIM_SLICE:
            return 0.0
        return max(min(self._last + self._quiet, self._waiting + self._patience) - now, 0.0)

    async def settle(self) -> None:
        """The marks; then a slice of trims, if due (see the module docstring)."""
        await self._mark()
        if self._waiting is not None and self.due_in() == 0:
            await self._trim(TRIM_SLICE)

    async def flush(self) -> None:
        """Mark and trim everything published so far; what fails waits for the next call."""
        await self._mark()
        await self._trim(None)

    async def _mark(self) -> None:
        unmarked, self._unmarked, self._due = self._unmarked, {}, None
        if not unmarked:
            return
        try:
            await self._store.mark({pid: list(found.values()) for pid, found in unmarked.items()})
        except BaseException:
            _merge(self._unmarked, unmarked)
            self._due = time.monotonic() + self._every
            raise
        _merge(self._untrimmed, unmarked)
        self._waiting = self._waiting or time.monotonic()

    async def _trim(self, limit: int | None) -> None:
        ids = list(self._untrimmed)[:limit] if limit else list(self._untrimmed)
        entries = {pid: self._untrimmed.pop(pid) for pid in ids}
        tombstones = {pid: v for pid, v in self._tombstones.items() if pid not in self._unmarked}
        if limit:
            tombstones = dict(list(tombstones.items())[:limit])
        for profile_id in tombstones:
            del self._tombstones[profile_id]
        if not entries and not tombstones:
            return
        try:
            # The profiles' locks: on FerretDB an update reads the document and writes it back,
            # so a write of this process to the same profile must not run in between.
            async with self._locks.hold(*entries, *tombstones):
                await self._store.trim(
                    {pid: list(found.values()) for pid, found in entries.items()}
                )
                if tombstones:
                    await self._store.purge(list(tombstones.items()))
        except BaseException:
            _merge(self._untrimmed, entries)
            self._tombstones = tombstones | self._tombstones
            self._last = time.monotonic()  # tried again once quiet again
            raise
        finally:
            waiting = self._untrimmed or self._tombstones
            self._waiting = (self._waiting or time.monotonic()) if waiting else None
        self._sent.release(e for found in entries.values() for e in found)


def _merge(into: Published, more: Published) -> None:
    for profile_id, found in more.items():
        into.setdefault(profile_id, {}).update(found)
