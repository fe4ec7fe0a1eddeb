"""Applying import rows in chunks: the rows of a chunk run concurrently (those of one profile id in
file order), so their store writes share round trips (`store.MongoProfileStore`), and each chunk
ends with one hint naming the profiles it wrote, with the records as written, so the running
service's relay publishes their events without reading the profiles (`hints.py`)."""

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterator, Sequence

from services.profiles.changes import Origin
from services.profiles.errors import REJECTED
from services.profiles.hints import HintStore
from services.profiles.importer import Row
from services.profiles.records import ProfileRecord
from services.profiles.service import ProfileService
from shared.commands import ProfileChangeRequest

CHUNK = 500
"""Rows per chunk, and so at most this many profiles per hint."""
CONCURRENT = CHUNK
"""Profile ids of a chunk applied at the same time: all of them, so that the creates of a chunk
share one `insert_many` and its changes one insert of fences (the store's round trips, not the
rows, are what an import pays for)."""


class Written:
    """The write observer of a process without a relay: collects the records written, the
    newest of each profile."""

    def __init__(self) -> None:
        self.records: dict[str, ProfileRecord] = {}

    def written(self, record: ProfileRecord) -> None:
        held = self.records.get(record.id)
        if held is None or held.version <= record.version:
            self.records[record.id] = record


async def apply_rows(
    service: ProfileService, written: Written, hints: HintStore, rows: Sequence[Row], origin: Origin
) -> AsyncIterator[list[str | Row]]:
    """Per chunk, what became of each of its rows (see `outcome`), once its hint is stored.
    `written` must be the observer `service` tells."""
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start : start + CHUNK]
        outcomes = await _chunk(service, chunk, origin)
        records, written.records = list(written.records.values()), {}
        await hints.add([record.id for record in records], records)
        yield outcomes


async def _chunk(service: ProfileService, chunk: Sequence[Row], origin: Origin) -> list[str | Row]:
    by_id: defaultdict[str | None, list[int]] = defaultdict(list)
    for index, row in enumerate(chunk):
        by_id[row.profile_id].append(index)
    outcomes: list[str | Row] = list(chunk)
    limit = asyncio.Semaphore(CONCURRENT)

    async def one_id(indexes: list[int]) -> None:
        async with limit:
            for index in indexes:
                outcomes[index] = await outcome(service, chunk[index], origin)

    await asyncio.gather(*(one_id(indexes) for indexes in by_id.values()))
    return outcomes


async def outcome(service: ProfileService, row: Row, origin: Origin) -> str | Row:
    """What became of one row: created, updated, unchanged, or the row with its reason."""
    if row.fields is None or row.profile_id is None:
        return row
    request = ProfileChangeRequest(op="upsert", profile_id=row.profile_id, profile=row.fields)
    try:
        result = await service.apply(request, origin)
    except REJECTED as error:
        return Row(row.line, row.profile_id, reason=str(error))
    if result.skipped is not None:
        return "unchanged"
    return "created" if result.record and result.record.version == 1 else "updated"
