"""Marking published events sent: one call per batch, only entries this process published, and
never an outbox entry that is still to go out."""

import contextlib
from collections.abc import Mapping, Sequence

from services.profiles.changes import Origin, decide
from services.profiles.locks import KeyedLocks
from services.profiles.marks import TRIM_SLICE, Marks
from services.profiles.records import OutboxEntry, ProfileRecord
from services.profiles.sent import SentLog
from services.profiles.service import now_ms
from shared.commands import ProfileChangeRequest
from shared.profile import ProfilePatch
from tests.builders.profiles import profile_fields
from tests.fakes.profiles import FakeProfileStore

API = Origin(producer="profiles")


class CountingStore(FakeProfileStore):
    """Counts the calls that mark, and fails the next `failures` of them."""

    marks = 0
    failures = 0

    async def mark(self, published: Mapping[str, Sequence[OutboxEntry]]) -> int:
        self.marks += 1
        if self.failures:
            self.failures -= 1
            raise ConnectionError("the store went away")
        return await super().mark(published)


class Harness:
    """Writes the way the service does and publishes the way the relay does, so each test can
    interleave the two."""

    def __init__(self) -> None:
        self.store = CountingStore()
        self.sent = SentLog()
        self.marks = Marks(self.store, KeyedLocks(), self.sent, every=0)

    async def write(self, request: ProfileChangeRequest) -> ProfileRecord:
        current = await self.store.get(request.profile_id)
        record = decide(current, request, API, now=now_ms()).record
        assert record is not None
        if current is None:
            await self.store.insert(record)
        else:
            await self.store.update(record, expected_version=current.version)
        return record

    def publish(self, record: ProfileRecord) -> None:
        for entry in record.outbox:
            self.sent.add(entry.event_id)
        self.marks.published(record)

    def outbox(self, profile_id: str) -> list[int]:
        return [entry.version for entry in self.store.records[profile_id].outbox]


def create(profile_id: str) -> ProfileChangeRequest:
    fields = profile_fields(email=f"{profile_id}@example.org")
    return ProfileChangeRequest(op="upsert", profile_id=profile_id, profile=fields)


def rename(profile_id: str, name: str) -> ProfileChangeRequest:
    return ProfileChangeRequest(op="patch", profile_id=profile_id, patch=ProfilePatch(name=name))


async def test_records_published_together_are_marked_in_one_call() -> None:
    h = Harness()
    records = [await h.write(create(f"p{n}")) for n in range(5)]
    for record in records:
        h.publish(record)

    await h.marks.flush()

    assert h.store.marks == 1
    assert all(h.outbox(f"p{n}") == [] for n in range(5))


async def test_a_record_not_yet_published_keeps_its_event() -> None:
    h = Harness()
    first = await h.write(create("p1"))
    await h.write(create("p2"))  # not published yet
    h.publish(first)

    await h.marks.flush()
    assert h.outbox("p1") == [] and h.outbox("p2") == [1]

    h.publish(h.store.records["p2"])
    await h.marks.flush()
    assert h.outbox("p1") == [] and h.outbox("p2") == []


async def test_a_profile_written_again_keeps_its_newer_event_when_the_older_one_is_marked() -> None:
    h = Harness()
    first = await h.write(create("p1"))
    h.publish(first)
    await h.marks.flush()
    again = await h.write(rename("p1", "Second"))
    third = await h.write(create("p3"))
    h.publish(third)
    h.publish(first)  # handed over again: its entry is already gone

    await h.marks.flush()

    assert h.outbox("p1") == [2]  # still to be published
    h.publish(again)
    await h.marks.flush()
    assert h.outbox("p1") == []


async def test_a_mark_that_failed_is_made_with_the_next_flush() -> None:
    h = Harness()
    h.publish(await h.write(create("p1")))
    h.store.failures = 1

    with contextlib.suppress(ConnectionError):
        await h.marks.flush()
    assert h.outbox("p1") == [1] and h.marks.due_in() is not None
    await h.marks.flush()

    assert h.outbox("p1") == []


async def test_a_published_deletion_removes_the_tombstone() -> None:
    h = Harness()
    h.publish(await h.write(create("p1")))
    await h.marks.flush()
    tombstone = await h.write(ProfileChangeRequest(op="delete", profile_id="p1"))
    h.publish(tombstone)

    await h.marks.flush()

    assert "p1" not in h.store.records


async def test_a_tombstone_written_again_before_the_mark_is_kept() -> None:
    h = Harness()
    h.publish(await h.write(create("p1")))
    tombstone = await h.write(ProfileChangeRequest(op="delete", profile_id="p1"))
    h.publish(tombstone)
    await h.write(create("p1"))  # created again: version 3

    await h.marks.flush()

    assert h.outbox("p1") == [3]


async def test_records_of_another_writer_are_marked_once_published() -> None:
    h = Harness()
    record = await h.write(create("p1"))  # as if another process wrote it: we only read it
    h.publish(record)

    await h.marks.flush()

    assert h.outbox("p1") == []


async def backlog(h: Harness, count: int) -> None:
    for n in range(count):
        h.publish(await h.write(create(f"b{n}")))


async def test_a_large_backlog_is_marked_at_once_and_trimmed_only_once_the_relay_is_quiet() -> None:
    h = Harness()
    h.marks = Marks(h.store, KeyedLocks(), h.sent, every=0, quiet=3600)
    await backlog(h, TRIM_SLICE + 1)

    await h.marks.settle()

    assert len(h.store.sent_marks) == TRIM_SLICE + 1
    assert all(h.outbox(f"b{n}") == [1] for n in range(TRIM_SLICE + 1))
    assert h.marks.trimming and (h.marks.due_in() or 0) > 0


async def test_a_quiet_relay_trims_a_backlog_in_slices_and_each_entry_stays_known_as_sent() -> None:
    h = Harness()
    h.sent = SentLog(size=1)  # remembers only the last event published: the rest are held
    h.marks = Marks(h.store, KeyedLocks(), h.sent, every=0, quiet=0)
    await backlog(h, TRIM_SLICE + 1)

    await h.marks.settle()
    trimmed = [n for n in range(TRIM_SLICE + 1) if h.outbox(f"b{n}") == []]
    assert len(trimmed) == TRIM_SLICE
    [waiting] = [h.store.records[f"b{n}"] for n in range(TRIM_SLICE + 1) if n not in trimmed]
    h.sent.add("another-event")  # the log's one place goes to another event
    assert waiting.outbox[0].event_id in h.sent  # held: never published again while it waits
    await h.marks.settle()

    assert all(h.outbox(f"b{n}") == [] for n in range(TRIM_SLICE + 1))
    assert h.store.sent_marks == {} and not h.marks.trimming


async def test_a_small_backlog_is_trimmed_with_its_marks() -> None:
    h = Harness()
    h.marks = Marks(h.store, KeyedLocks(), h.sent, every=0, quiet=3600)
    await backlog(h, 3)

    await h.marks.settle()

    assert all(h.outbox(f"b{n}") == [] for n in range(3)) and h.store.sent_marks == {}
