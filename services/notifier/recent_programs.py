"""The program records as the notifier reads them per pairing event: each kept in memory for a
few seconds after it was read, so a burst of one program's pairing events costs one store read
instead of one each.

Reading the record from the store per event was a sixth of the notifier's store time
(`find programs {_id}`, one per pairing event). A record kept for `KEEP_SECONDS` is not weaker:
`programs.changes.v1` and `pairings.events.v1` have no order between them, and the notifier
consumes them in two groups, so a pairing event may be handled before a program change made
earlier anywhere, however late that change is applied. A kept record only adds at most
`KEEP_SECONDS` to that lag, and only for changes another replica applied: a change this process
applies replaces its kept record at once. A kept record never goes back: a read that returns an
older version than one kept (a read that raced an `apply`) keeps the newer one.
"""

import asyncio
import time
from collections.abc import Callable

from services.notifier.programs import ProgramRecords
from shared.programs import ProgramSnapshot

KEEP_SECONDS = 5.0
"""How long a record read from the store serves later pairing events."""


class RecentPrograms:
    """`ProgramRecords` over another, with each program's record kept for `keep_seconds`.
    Holds one entry per program id read; there are few programs."""

    def __init__(
        self,
        records: ProgramRecords,
        *,
        keep_seconds: float = KEEP_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._records, self._keep, self._clock = records, keep_seconds, clock
        self._kept: dict[str, tuple[float, ProgramSnapshot | None]] = {}
        self._reading: dict[str, asyncio.Future[ProgramSnapshot | None]] = {}

    async def apply(self, snapshot: ProgramSnapshot) -> bool:
        applied = await self._records.apply(snapshot)
        if applied:
            self._remember(snapshot.id, snapshot)
        return applied

    async def get(self, program_id: str) -> ProgramSnapshot | None:
        """The kept record, or the store's; the events that miss it at the same time (a poll's
        pairings all start at once) share one read."""
        kept = self._kept.get(program_id)
        if kept is not None and self._clock() < kept[0]:
            return kept[1]
        reading = self._reading.get(program_id)
        if reading is None:
            reading = self._reading[program_id] = asyncio.ensure_future(self._read(program_id))
        return await asyncio.shield(reading)

    async def _read(self, program_id: str) -> ProgramSnapshot | None:
        try:
            return self._remember(program_id, await self._records.get(program_id))
        finally:
            del self._reading[program_id]

    def _remember(self, program_id: str, record: ProgramSnapshot | None) -> ProgramSnapshot | None:
        kept = self._kept.get(program_id)
        newer = kept[1] if kept is not None else None
        if newer is not None and (record is None or record.version < newer.version):
            record = newer
        self._kept[program_id] = (self._clock() + self._keep, record)
        return record
