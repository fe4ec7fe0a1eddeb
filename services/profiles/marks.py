"""Marking published events sent, in batches ("epochs") that cost one cheap statement each.

FerretDB v1 scans the whole collection for every conditional update, and evaluates an `$in` of
many ids slowly for every document it scans, so marking records one by one, or by a list of ids,
costs about as much per record as the write itself. Instead every write by this process is
stamped with the current epoch (`begin`), and once an epoch is closed, none of its writes is still
in flight and every record it wrote has been published, one `update_many` on the stamp empties
all their outboxes (and one `delete_many` removes its published tombstones). A profile written
again since carries a newer stamp and is left alone.

Records that are not this process's latest write of their profile (written by another process or
before a restart, or by an epoch whose write had an unknown outcome) are marked the slow way, by
id and version. A crash before marking only means those events are published again after the
restart (see `relay.py` on duplicates).
"""

import time
import uuid
from collections import Counter, defaultdict

from services.profiles.locks import KeyedLocks
from services.profiles.outbox import OutboxStore
from services.profiles.records import ProfileRecord
from services.profiles.sent import SentLog


class EpochMarks:
    def __init__(
        self, store: OutboxStore, locks: KeyedLocks, sent: SentLog, *, every: float
    ) -> None:
        self._store, self._locks, self._sent, self._every = store, locks, sent, every
        self._token, self._epoch = uuid.uuid4().hex[:12], 0
        self._in_flight: Counter[int] = Counter()
        self._tainted: set[int] = set()  # a write whose outcome is unknown
        self._latest: dict[str, tuple[int, int]] = {}  # id -> (epoch, version) of our last write
        self._waiting: defaultdict[int, set[str]] = defaultdict(set)  # not yet published whole
        self._published: defaultdict[int, dict[str, ProfileRecord]] = defaultdict(dict)
        self._loose: dict[str, ProfileRecord] = {}  # published, to be marked by id and version
        self._due = time.monotonic() + every

    def begin(self) -> str:
        """A write is about to be made: the stamp it stores."""
        self._in_flight[self._epoch] += 1
        return f"{self._token}:{self._epoch}"

    def end(self, stamp: str, record: ProfileRecord | None, *, certain: bool = True) -> None:
        """The write stamped `stamp` stored `record`, or nothing (None); `certain=False`: it
        failed in a way that may or may not have stored it."""
        epoch = self._epoch_of(stamp)
        assert epoch is not None
        self._in_flight[epoch] -= 1
        if not self._in_flight[epoch]:
            del self._in_flight[epoch]
        if not certain:
            self._tainted.add(epoch)
        if record is not None:
            if previous := self._latest.get(record.id):
                self._waiting.get(previous[0], set()).discard(record.id)
            self._latest[record.id] = (epoch, record.version)
            self._waiting[epoch].add(record.id)

    def published(self, record: ProfileRecord) -> None:
        """Every event of `record` is out."""
        epoch = self._epoch_of(record.stamp)
        if epoch is not None and self._latest.get(record.id) == (epoch, record.version):
            self._waiting.get(epoch, set()).discard(record.id)
            self._published[epoch][record.id] = record
        else:
            self._loose[record.id] = record

    def due_in(self) -> float | None:
        """Seconds until marking is due; None if nothing waits to be marked."""
        if not self._published and not self._loose:
            return None
        return max(self._due - time.monotonic(), 0.0)

    async def flush(self) -> None:
        """Close the current epoch and mark every epoch that is ready, then the loose records.
        The next flush waits at least nine times as long as this one took, so marking never
        takes more than a tenth of the store's time however large the collection grows."""
        started = time.monotonic()
        self._epoch += 1
        try:
            for epoch in sorted(self._published):
                if (
                    epoch < self._epoch
                    and not self._in_flight[epoch]
                    and not self._waiting.get(epoch)
                ):
                    await self._mark_epoch(epoch, self._published.pop(epoch))
            loose, self._loose = self._loose, {}
            await self._mark_loose(loose)
        finally:
            took = time.monotonic() - started
            self._due = time.monotonic() + max(self._every, 9 * took)

    async def _mark_epoch(self, epoch: int, records: dict[str, ProfileRecord]) -> None:
        for profile_id in records:
            if self._latest.get(profile_id, (None,))[0] == epoch:
                del self._latest[profile_id]
        self._waiting.pop(epoch, None)
        self._in_flight.pop(epoch, None)
        if epoch in self._tainted:
            self._tainted.discard(epoch)
            self._loose.update(records)
            return
        stamp = f"{self._token}:{epoch}"
        try:
            async with self._locks.hold(*records):
                if any(record.deleted for record in records.values()):
                    await self._store.purge_stamped(stamp)
                await self._store.clear_stamped(stamp)
        except Exception:
            self._loose.update(records)  # marked the slow way on the next flush
            raise

    async def _mark_loose(self, loose: dict[str, ProfileRecord]) -> None:
        try:
            await self._mark_by_version(list(loose.values()))
        except Exception:
            self._loose = loose | self._loose  # newer records of a profile win
            raise

    async def _mark_by_version(self, records: list[ProfileRecord]) -> None:
        if not records:
            return
        async with self._locks.hold(*(r.id for r in records)):
            purged = [(r.id, r.version) for r in records if r.deleted]
            cleared = [(r.id, r.version) for r in records if not r.deleted]
            missed = await self._store.purge(purged) < len(purged)
            if await self._store.clear_outboxes(cleared) < len(cleared) or missed:
                for record in records:
                    await self._mark_one(record.id)

    async def _mark_one(self, profile_id: str) -> None:
        """The slow path, for a profile written again since the record that was published."""
        current = await self._store.get(profile_id)
        if current is None:
            return
        remaining = self._sent.unsent(current)
        if current.deleted and not remaining:
            await self._store.purge([(profile_id, current.version)])
        elif len(remaining) < len(current.outbox):
            await self._store.set_outbox(profile_id, current.version, remaining)

    def _epoch_of(self, stamp: str | None) -> int | None:
        token, _, epoch = (stamp or "").partition(":")
        return int(epoch) if token == self._token else None
