"""Import chunks overlap, yet each profile id's rows apply in file order, every profile written is
hinted, and a re-import reads before it writes instead of trying inserts that would be refused."""

import pytest

from services.profiles import bulk
from services.profiles.bulk import Written, apply_rows
from services.profiles.changes import Origin
from services.profiles.importer import Row
from services.profiles.locks import KeyedLocks
from services.profiles.records import ProfileRecord
from services.profiles.service import ProfileService
from tests.builders.profiles import profile_fields
from tests.fakes.profiles import FakeHints, FakeProfileStore

API = Origin(producer="import")


class InsertCountingStore(FakeProfileStore):
    inserts = 0

    async def insert(self, record: ProfileRecord) -> bool:
        self.inserts += 1
        return await super().insert(record)


def row(line: int, profile_id: str, name: str) -> Row:
    fields = profile_fields(email=f"{profile_id}@example.org", name=name)
    return Row(line, profile_id, fields=fields)


async def imported(store: FakeProfileStore, hints: FakeHints, rows: list[Row]) -> list[str | Row]:
    written = Written()
    service = ProfileService(store, locks=KeyedLocks(), observer=written)
    return [o async for chunk in apply_rows(service, written, hints, rows, API) for o in chunk]


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bulk, "CHUNK", 2)


async def test_rows_of_one_id_in_overlapping_chunks_apply_in_file_order() -> None:
    store, hints = FakeProfileStore(), FakeHints()
    rows = [row(1, "a", "A1"), row(2, "b", "B1"), row(3, "c", "C1"), row(4, "a", "A2")]
    rows += [row(5, "d", "D1"), row(6, "a", "A3")]

    outcomes = await imported(store, hints, rows)

    assert outcomes == ["created", "created", "created", "updated", "created", "updated"]
    a = store.records["a"]
    assert a.fields is not None and (a.fields.name, a.version) == ("A3", 3)
    hinted = {record.id for records in hints.stored.values() for record in records}
    assert hinted == {"a", "b", "c", "d"}


async def test_a_re_import_reads_first_once_a_chunk_found_its_profiles_stored() -> None:
    store, hints = InsertCountingStore(), FakeHints()
    first = [row(n, f"p{n}", "Before") for n in range(6)]
    await imported(store, hints, first)
    store.inserts = 0

    outcomes = await imported(store, hints, [row(n, f"p{n}", "After") for n in range(6)])

    assert outcomes == ["updated"] * 6
    assert store.inserts == 4  # the first two chunks try inserts; the third reads first
