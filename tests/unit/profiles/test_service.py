"""The service's write loop: retries after a lost race, notifies the relay, never writes no-ops."""

import pytest

from services.profiles.changes import Origin, Skipped
from services.profiles.errors import DuplicateEmail, VersionMismatch, WriteConflict
from services.profiles.locks import KeyedLocks
from services.profiles.service import ProfileService
from shared.commands import ProfileChangeRequest
from shared.profile import ProfilePatch
from tests.builders.profiles import profile_fields
from tests.fakes.profiles import FakeProfileStore, RecordingObserver

API = Origin(producer="profiles")


def service_with(store: FakeProfileStore, written: list[str]) -> ProfileService:
    return ProfileService(store, locks=KeyedLocks(), observer=RecordingObserver(written))


def rename(profile_id: str, name: str, expected: int | None = None) -> ProfileChangeRequest:
    return ProfileChangeRequest(
        op="patch",
        profile_id=profile_id,
        patch=ProfilePatch(name=name),
        expected_version=expected,
    )


async def test_create_gives_a_fresh_id_and_notifies_the_relay_once() -> None:
    store, written = FakeProfileStore(), list[str]()
    service = service_with(store, written)

    first = await service.create(profile_fields(email="a@example.org"), API)
    second = await service.create(profile_fields(email="b@example.org"), API)

    assert first.id != second.id
    assert written == [first.id, second.id]


async def test_a_no_op_neither_writes_nor_notifies() -> None:
    store, written = FakeProfileStore(), list[str]()
    service = service_with(store, written)
    created = await service.create(profile_fields(name="Ada"), API)

    outcome = await service.apply(rename(created.id, "Ada"), API)

    assert outcome.skipped is Skipped.UNCHANGED
    assert store.writes == 1 and written == [created.id]


async def test_a_write_that_loses_a_race_is_retried_from_a_fresh_read() -> None:
    store, written = FakeProfileStore(), list[str]()
    service = service_with(store, written)
    created = await service.create(profile_fields(), API)
    other = await service.apply(rename(created.id, "Someone else"), API)
    assert other.record is not None
    store.records[created.id] = created  # we will read version 1 ...
    store.before_write.append(other.record)  # ... but version 2 lands first

    outcome = await service.apply(rename(created.id, "Mine"), API)

    assert outcome.record is not None and outcome.record.version == 3


async def test_a_pinned_version_that_loses_a_race_is_a_mismatch() -> None:
    store = FakeProfileStore()
    service = service_with(store, [])
    created = await service.create(profile_fields(), API)
    other = await service.apply(rename(created.id, "Someone else"), API)
    assert other.record is not None
    store.records[created.id] = created
    store.before_write.append(other.record)

    with pytest.raises(VersionMismatch):
        await service.apply(rename(created.id, "Mine", expected=1), API)


async def test_a_profile_that_keeps_changing_gives_up_with_a_conflict() -> None:
    store = FakeProfileStore()
    service = service_with(store, [])
    created = await service.create(profile_fields(), API)
    bumped = created.model_copy(update={"version": 99})
    store.before_write.extend([bumped.model_copy(update={"version": 99 + n}) for n in range(3)])

    with pytest.raises(WriteConflict):
        await service.apply(rename(created.id, "Mine"), API)


async def test_a_second_profile_with_the_same_email_in_a_program_is_refused() -> None:
    store = FakeProfileStore()
    service = service_with(store, [])
    await service.create(profile_fields(program_id="x", email="same@example.org"), API)
    await service.create(profile_fields(program_id="y", email="same@example.org"), API)

    with pytest.raises(DuplicateEmail):
        await service.create(profile_fields(program_id="x", email="SAME@example.org"), API)
