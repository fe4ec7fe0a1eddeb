"""Marking in epochs: one statement per closed epoch, and never an outbox with an unpublished
event in it."""

from services.profiles.changes import Origin, decide
from services.profiles.locks import KeyedLocks
from services.profiles.marks import EpochMarks
from services.profiles.records import ProfileRecord
from services.profiles.sent import SentLog
from services.profiles.service import now_ms
from shared.commands import ProfileChangeRequest
from shared.profile import ProfilePatch
from tests.builders.profiles import profile_fields
from tests.fakes.profiles import FakeProfileStore

API = Origin(producer="profiles")


class Harness:
    """Writes through `EpochMarks` the way the service does, and publishes the way the relay
    does, so each test can interleave the two."""

    def __init__(self) -> None:
        self.store = FakeProfileStore()
        self.sent = SentLog()
        self.marks = EpochMarks(self.store, KeyedLocks(), self.sent, every=0)
        self.clears = 0
        original = self.store.clear_stamped

        async def counted(stamp: str) -> int:
            self.clears += 1
            return await original(stamp)

        self.store.clear_stamped = counted  # type: ignore[method-assign]

    async def write(self, request: ProfileChangeRequest) -> ProfileRecord:
        current = await self.store.get(request.profile_id)
        record = decide(current, request, API, now=now_ms()).record
        assert record is not None
        stamp = self.marks.begin()
        record = record.model_copy(update={"stamp": stamp})
        if current is None:
            await self.store.insert(record)
        else:
            await self.store.update(record, expected_version=current.version)
        self.marks.end(stamp, record)
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


async def test_a_closed_epoch_whose_records_are_all_out_is_marked_in_one_statement() -> None:
    h = Harness()
    records = [await h.write(create(f"p{n}")) for n in range(5)]
    for record in records:
        h.publish(record)

    await h.marks.flush()

    assert h.clears == 1
    assert all(h.outbox(f"p{n}") == [] for n in range(5))


async def test_an_epoch_waits_for_its_unpublished_records_and_its_writes_in_flight() -> None:
    h = Harness()
    first = await h.write(create("p1"))
    await h.write(create("p2"))  # not published yet
    h.publish(first)
    stamp = h.marks.begin()  # a write still in flight in the same epoch

    await h.marks.flush()
    assert h.outbox("p1") == [1] and h.clears == 0

    h.marks.end(stamp, None)
    h.publish(h.store.records["p2"])
    await h.marks.flush()
    assert h.outbox("p1") == [] and h.outbox("p2") == []


async def test_a_profile_written_again_keeps_its_newer_event_when_the_older_epoch_is_marked() -> (
    None
):
    h = Harness()
    first = await h.write(create("p1"))
    h.publish(first)
    await h.marks.flush()  # closes the first epoch; p1 was marked
    again = await h.write(rename("p1", "Second"))
    third = await h.write(create("p3"))
    h.publish(third)

    await h.marks.flush()

    assert h.outbox("p1") == [2]  # still to be published
    h.publish(again)
    await h.marks.flush()
    assert h.outbox("p1") == []


async def test_a_write_with_an_unknown_outcome_makes_its_epoch_marked_one_by_one() -> None:
    h = Harness()
    record = await h.write(create("p1"))
    h.marks.end(h.marks.begin(), None, certain=False)
    h.publish(record)

    await h.marks.flush()

    assert h.clears == 0
    assert h.outbox("p1") == []


async def test_a_published_deletion_removes_the_tombstone() -> None:
    h = Harness()
    h.publish(await h.write(create("p1")))
    await h.marks.flush()
    tombstone = await h.write(ProfileChangeRequest(op="delete", profile_id="p1"))
    h.publish(tombstone)

    await h.marks.flush()

    assert "p1" not in h.store.records


async def test_records_of_another_writer_are_marked_by_id_and_version() -> None:
    h = Harness()
    record = await h.write(create("p1"))
    foreign = record.model_copy(update={"stamp": "another-process:0"})
    h.store.records["p1"] = foreign
    h.publish(foreign)

    await h.marks.flush()

    assert h.outbox("p1") == []
