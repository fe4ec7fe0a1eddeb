"""Applying import rows in chunks: the rows of a chunk run concurrently (those of one profile id in
file order), so their store writes share round trips (`store.MongoProfileStore`), and each chunk
ends with one hint naming the profiles written since the last hint, with the records as written,
so the running service's relay publishes their events without reading the profiles (`hints.py`).

What overlaps, so the store and the CPU both keep busy: the next chunk's rows are read and
validated in a worker thread, and two chunks are applied at once (`LANES`: one chunk's point reads
go while the other's updates do) unless they share a profile id, which keeps each id's rows in
file order. A chunk whose predecessor found most of its profiles stored (a re-import) reads each
profile first instead of trying an insert that would be refused.
"""

import asyncio
import itertools
from collections import defaultdict, deque
from collections.abc import AsyncIterator, Iterable, Iterator, Sequence

from services.profiles.changes import Origin
from services.profiles.errors import REJECTED
from services.profiles.hints import HintStore
from services.profiles.importer import Row
from services.profiles.records import ProfileRecord
from services.profiles.service import ProfileService
from shared.commands import ProfileChangeRequest

CHUNK = 500
"""Rows per chunk, and so about this many profiles per hint."""
CONCURRENT = CHUNK
"""Profile ids of a chunk applied at the same time: all of them, so that the creates of a chunk
share one `insert_many` and its changes one insert of fences (the store's round trips, not the
rows, are what an import pays for)."""
LANES = 2
"""Chunks applied at the same time."""
STORED = ("updated", "unchanged")


class Written:
    """The write observer of a process without a relay: collects the records written, the
    newest of each profile."""

    def __init__(self) -> None:
        self.records: dict[str, ProfileRecord] = {}

    def written(self, record: ProfileRecord) -> None:
        held = self.records.get(record.id)
        if held is None or held.version <= record.version:
            self.records[record.id] = record


Lane = tuple["asyncio.Future[list[str | Row]]", set[str | None]]


async def apply_rows(
    service: ProfileService, written: Written, hints: HintStore, rows: Iterable[Row], origin: Origin
) -> AsyncIterator[list[str | Row]]:
    """Per chunk, in file order, what became of each of its rows (see `outcome`), once a hint
    names every profile it wrote. `written` must be the observer `service` tells. `rows` may be
    a lazy reader (`read_rows`): it is advanced in a worker thread, one chunk ahead."""
    source = iter(rows)
    ahead = asyncio.ensure_future(asyncio.to_thread(_take, source))
    lanes: deque[Lane] = deque()
    read_first = False
    try:
        while chunk := await ahead:
            ahead = asyncio.ensure_future(asyncio.to_thread(_take, source))
            ids = {row.profile_id for row in chunk} - {None}
            while lanes and (len(lanes) >= LANES or any(ids & other for _, other in lanes)):
                outcomes = await _finish(lanes.popleft()[0], written, hints)
                read_first = sum(o in STORED for o in outcomes) * 2 > len(outcomes)
                yield outcomes
            lanes.append((asyncio.ensure_future(_chunk(service, chunk, origin, read_first)), ids))
        while lanes:
            yield await _finish(lanes.popleft()[0], written, hints)
    finally:
        ahead.cancel()
        for lane, _ in lanes:
            lane.cancel()


def _take(rows: Iterator[Row]) -> list[Row]:
    return list(itertools.islice(rows, CHUNK))


async def _finish(
    lane: "asyncio.Future[list[str | Row]]", written: Written, hints: HintStore
) -> list[str | Row]:
    """The chunk's outcomes, once a hint names what was written so far (with a chunk still
    running, some of its records too: they are stored, so hinting them early is as good)."""
    outcomes = await lane
    records, written.records = list(written.records.values()), {}
    await hints.add([record.id for record in records], records)
    return outcomes


async def _chunk(
    service: ProfileService, chunk: Sequence[Row], origin: Origin, read_first: bool
) -> list[str | Row]:
    by_id: defaultdict[str | None, list[int]] = defaultdict(list)
    for index, row in enumerate(chunk):
        by_id[row.profile_id].append(index)
    outcomes: list[str | Row] = list(chunk)
    limit = asyncio.Semaphore(CONCURRENT)

    async def one_id(indexes: list[int]) -> None:
        async with limit:
            for index in indexes:
                outcomes[index] = await outcome(service, chunk[index], origin, read_first)

    await asyncio.gather(*(one_id(indexes) for indexes in by_id.values()))
    return outcomes


async def outcome(
    service: ProfileService, row: Row, origin: Origin, read_first: bool = False
) -> str | Row:
    """What became of one row: created, updated, unchanged, or the row with its reason."""
    if row.fields is None or row.profile_id is None:
        return row
    request = ProfileChangeRequest(op="upsert", profile_id=row.profile_id, profile=row.fields)
    try:
        result = await service.apply(request, origin, read_first=read_first)
    except REJECTED as error:
        return Row(row.line, row.profile_id, reason=str(error))
    if result.skipped is not None:
        return "unchanged"
    return "created" if result.record and result.record.version == 1 else "updated"
