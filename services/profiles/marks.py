"""Marking published events sent: their entries leave the outboxes in batches, one round trip of
point updates per batch (`OutboxStore.mark`), and published tombstones are removed.

Marks wait up to `every` seconds, so that a burst of events shares its round trips. A mark
removes exactly the entries this process published (`$pullAll` by `_id`), so an event written
since is never touched, and a failed mark is simply tried again with the next batch. A crash
before marking only means those events are published again after the restart (see `relay.py`
on duplicates).
"""

import time

from services.profiles.locks import KeyedLocks
from services.profiles.outbox import OutboxStore
from services.profiles.records import OutboxEntry, ProfileRecord
from services.profiles.sent import SentLog


class Marks:
    def __init__(
        self, store: OutboxStore, locks: KeyedLocks, sent: SentLog, *, every: float
    ) -> None:
        self._store, self._locks, self._sent, self._every = store, locks, sent, every
        self._entries: dict[str, dict[str, OutboxEntry]] = {}  # id -> event id -> published
        self._tombstones: dict[str, int] = {}  # id -> version of its published deletion
        self._due: float | None = None

    def published(self, record: ProfileRecord) -> None:
        """Every event of `record` is out (by this process, now or before)."""
        entries = [entry for entry in record.outbox if entry.event_id in self._sent]
        if entries:
            self._entries.setdefault(record.id, {}).update((e.event_id, e) for e in entries)
        if record.deleted and len(entries) == len(record.outbox):
            self._tombstones[record.id] = record.version
        if (entries or record.deleted) and self._due is None:
            self._due = time.monotonic() + self._every

    def due_in(self) -> float | None:
        """Seconds until marking is due; None if nothing waits to be marked."""
        if self._due is None:
            return None
        return max(self._due - time.monotonic(), 0.0)

    async def flush(self) -> None:
        """Mark everything published so far; what fails waits for the next flush."""
        entries, tombstones = self._entries, self._tombstones
        self._entries, self._tombstones, self._due = {}, {}, None
        if not entries and not tombstones:
            return
        try:
            # The profiles' locks: on FerretDB an update reads the document and writes it back,
            # so a write of this process to the same profile must not run in between.
            async with self._locks.hold(*entries, *tombstones):
                await self._store.mark(
                    {pid: list(found.values()) for pid, found in entries.items()}
                )
                if tombstones:
                    await self._store.purge(list(tombstones.items()))
        except BaseException:
            self._keep(entries, tombstones)
            raise

    def _keep(self, entries: dict[str, dict[str, OutboxEntry]], tombstones: dict[str, int]) -> None:
        for profile_id, found in entries.items():
            self._entries.setdefault(profile_id, {}).update(found)
        self._tombstones = tombstones | self._tombstones
        self._due = time.monotonic() + self._every
