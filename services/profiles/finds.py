"""Where the relay finds records that no write of this process handed it: the profiles the bulk
import hinted at (`hints.py`), as it stored them, and the recovery sweep of the whole collection, at
start-up and then every `recover_every` seconds (the only whole-collection read of the relay).

Hints go first: while any wait, no batch of the recovery sweep is read (on FerretDB v1 each batch
reads every document, minutes at 100,000 profiles, and the hinted point reads would queue behind
it), and the next periodic round is put off until `recover_every` after the last hint, and while
published events wait to be trimmed (`marks.py`: until then their profiles still match the sweep,
which would read the whole collection once per batch of them). A round under way goes on from
where it stopped once no hint waits, so deferring it loses nothing. Before anything else, the marks
are read, so that events a crashed process published and marked are not published again.

A pass waits at most `read_wait` seconds for a batch of the sweep (the service: half a second;
None, the default: the whole read). A longer read (each batch reads
the whole collection on FerretDB v1: 10 s at 20,000 profiles on a busy machine) goes on while the
relay keeps publishing what writes hand over, and a later pass takes its batch. The batch is then
some seconds old, as a hint's stored copy can be: what this process published meanwhile is in its
`SentLog`, and the relay keeps the newest of a profile's copies, so nothing goes out twice or out of
order. A hint served while a read is under way drops that read, and the batch is read again."""

import asyncio
import time
from collections.abc import Callable

from services.profiles.hints import Hint, HintStore
from services.profiles.outbox import OutboxStore
from services.profiles.records import ProfileRecord
from services.profiles.sent import SentLog


class Finds:
    def __init__(
        self,
        store: OutboxStore,
        hints: HintStore | None,
        sent: SentLog,
        *,
        batch: int,
        recover_every: float,
        backlog: Callable[[int], None],
        trimming: Callable[[], bool] = lambda: False,
        read_wait: float | None = None,
    ) -> None:
        self._store, self._hints, self._sent, self._batch = store, hints, sent, batch
        self._recover_every, self._recover_at = recover_every, 0.0  # due at start-up
        self._after: str | None = None  # where the recovery round goes on; None: not running
        self._recovered = False  # the start-up round is done: later rounds can be put off
        self._round_backlog, self._backlog = 0, backlog
        self._hint_ids: list[str] = []  # the hints read by the last `find`
        self._trimming = trimming
        self._marks_read = False
        self._read_wait = read_wait
        self._reading: asyncio.Task[list[ProfileRecord]] | None = None  # a batch of the sweep

    async def find(self) -> tuple[list[ProfileRecord], bool]:
        """Hinted profiles, and a batch of the recovery sweep when one is due or under way;
        True when nothing more waits. The first call reads the marks first."""
        if not self._marks_read:
            self._sent.hold(await self._store.marked())
            self._marks_read = True
        hinted, more_hints = await self._hinted()
        if self._hint_ids:
            self.close()  # a batch read before these hints went out could be older than them
            if self._recovered:
                self._recover_at = max(self._recover_at, time.monotonic() + self._recover_every)
            return hinted, not more_hints
        return await self._recover()

    def close(self) -> None:
        """Drop a batch of the sweep under way (it is read again when next due)."""
        if self._reading is not None:
            self._reading.cancel()
            self._reading = None

    async def done(self, *, whole: bool) -> None:
        """The records of the last `find` went out (`whole`: all of them): forget their hints.
        Otherwise the hints stay, and are read again by the next `find`."""
        hint_ids, self._hint_ids = self._hint_ids, []
        if whole and hint_ids and self._hints is not None:
            await self._hints.remove(hint_ids)

    async def _hinted(self) -> tuple[list[ProfileRecord], bool]:
        """Profiles named by the oldest hints, about a batch of them: as their writer stored
        them (one point read per hint), or read by `_id`. (`_newest` in the relay keeps the
        newest of a profile's copies and what writes handed over.)"""
        if self._hints is None:
            return [], False
        limit = max(self._batch // 100, 1) + 1
        hints = await self._hints.oldest(limit=limit)
        taken: list[Hint] = []
        named = 0
        for hint in hints:
            if taken and named + len(hint.profile_ids) > self._batch:
                break
            taken.append(hint)
            named += len(hint.profile_ids)
        self._hint_ids = [hint.id for hint in taken]
        found = [record for hint in taken for record in await self._records(hint)]
        more = len(taken) < len(hints) or len(hints) == limit
        return [record for record in found if record.outbox], more

    async def _records(self, hint: Hint) -> list[ProfileRecord]:
        """The records the writer stored with `hint`, or else its profiles read by `_id`."""
        assert self._hints is not None
        copies = await self._hints.records(hint.id)
        if copies is not None:
            return copies
        found = await asyncio.gather(*(self._store.get(i) for i in dict.fromkeys(hint.profile_ids)))
        return [record for record in found if record is not None]

    async def _recover(self) -> tuple[list[ProfileRecord], bool]:
        """One batch of the recovery sweep, in id order, from where its last batch ended (so a
        backlog larger than a batch never stalls on records published but not yet marked)."""
        if self._reading is None:
            if self._after is None and time.monotonic() < self._recover_at:
                return [], True
            if self._after is None and self._recovered and self._trimming():
                return [], True
            if self._after is None:
                self._round_backlog = 0
            read = self._store.pending(limit=self._batch, after=self._after)
            self._reading = asyncio.ensure_future(read)
        reading = self._reading
        await asyncio.wait({reading}, timeout=self._read_wait)  # never cancels the read
        if not reading.done():
            return [], False  # more waits: the next pass looks again, publishing meanwhile
        self._reading = None
        records = reading.result()  # a failed read fails the pass, which is tried again
        complete = len(records) < self._batch
        self._after = None if complete else records[-1].id
        self._round_backlog += sum(len(self._sent.unsent(r)) for r in records)
        if complete:
            self._recovered = True
            self._recover_at = time.monotonic() + self._recover_every
            self._backlog(self._round_backlog)  # writes meanwhile: corrected as they go
        return records, complete
