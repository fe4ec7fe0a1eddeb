"""The rules of a profile change, without any I/O."""

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest

from services.profiles.changes import Decision, Origin, Skipped, decide
from services.profiles.errors import (
    InvalidChange,
    ProfileExists,
    ProfileNotFound,
    VersionMismatch,
)
from services.profiles.records import ProfileRecord
from shared.commands import ProfileChangeRequest
from shared.profile import ProfilePatch
from tests.builders.profiles import profile_fields

NOW = datetime(2027, 1, 12, 9, 30, tzinfo=UTC)
API = Origin(producer="profiles", correlation_id="c-1")


def ingress(at: datetime = NOW, event_id: str | None = None) -> Origin:
    return Origin(
        producer="profiles", correlation_id="c-2", event_id=event_id or uuid4().hex, occurred_at=at
    )


def upsert(profile_id: str = "p-1", **fields: Any) -> ProfileChangeRequest:
    return ProfileChangeRequest(
        op="upsert", profile_id=profile_id, profile=profile_fields(**fields)
    )


def patch(profile_id: str = "p-1", **fields: Any) -> ProfileChangeRequest:
    return ProfileChangeRequest(
        op="patch", profile_id=profile_id, patch=ProfilePatch.model_validate(fields)
    )


def delete(profile_id: str = "p-1") -> ProfileChangeRequest:
    return ProfileChangeRequest(op="delete", profile_id=profile_id)


def applied(
    current: ProfileRecord | None, request: ProfileChangeRequest, origin: Origin = API
) -> ProfileRecord:
    decision = decide(current, request, origin, now=NOW)
    assert decision.record is not None, decision.skipped
    return decision.record


def event(record: ProfileRecord) -> dict[str, Any]:
    return json.loads(record.outbox[-1].payload)  # type: ignore[no-any-return]


def test_a_new_profile_starts_at_version_one_with_one_changed_event() -> None:
    record = applied(None, upsert(name="Ada"))

    assert record.version == 1
    assert [e.event_type for e in record.outbox] == ["profile.changed"]
    assert event(record)["data"]["name"] == "Ada"
    assert event(record)["data"]["version"] == 1
    assert event(record)["correlation_id"] == "c-1"


def test_each_change_bumps_the_version_and_appends_one_event() -> None:
    first = applied(None, upsert())
    second = applied(first, patch(name="Grace"))

    assert second.version == 2
    assert [e.version for e in second.outbox] == [1, 2]
    assert second.fields is not None and second.fields.name == "Grace"


def test_a_change_that_changes_nothing_writes_nothing() -> None:
    first = applied(None, upsert(name="Ada"))

    assert decide(first, upsert(name="Ada"), API, now=NOW) == Decision(None, Skipped.UNCHANGED)
    assert decide(first, patch(name="Ada"), API, now=NOW) == Decision(None, Skipped.UNCHANGED)


def test_a_repeated_ingress_event_id_is_a_duplicate() -> None:
    first = applied(None, upsert(), ingress(event_id="e-1"))

    decision = decide(first, upsert(name="Other"), ingress(event_id="e-1"), now=NOW)

    assert decision == Decision(None, Skipped.DUPLICATE)


def test_an_ingress_request_older_than_the_last_applied_one_is_stale() -> None:
    first = applied(None, upsert(), ingress(at=NOW))

    older = decide(first, patch(name="Old"), ingress(at=NOW - timedelta(seconds=1)), now=NOW)
    newer = decide(first, patch(name="New"), ingress(at=NOW + timedelta(seconds=1)), now=NOW)

    assert older == Decision(None, Skipped.STALE)
    assert newer.record is not None and newer.record.last_ingress_at == NOW + timedelta(seconds=1)


def test_api_writes_are_never_stale_or_duplicates() -> None:
    first = applied(None, upsert(), ingress(at=NOW + timedelta(days=1)))

    assert applied(first, patch(name="From the API")).version == 2


def test_remembered_ingress_ids_are_bounded() -> None:
    record = None
    for n in range(5):
        decision = decide(
            record, upsert(name=f"n{n}"), ingress(event_id=f"e{n}"), now=NOW, seen_kept=3
        )
        record = decision.record

    assert record is not None and record.seen_event_ids == ["e2", "e3", "e4"]


def test_a_patch_that_leaves_an_invalid_profile_is_rejected_with_field_reasons() -> None:
    first = applied(None, upsert())

    with pytest.raises(InvalidChange) as caught:
        decide(first, patch(name=None), API, now=NOW)

    assert caught.value.errors[0]["loc"] == ("name",)


def test_a_patch_of_an_absent_profile_is_not_found() -> None:
    with pytest.raises(ProfileNotFound):
        decide(None, patch(name="Nobody"), API, now=NOW)


def test_must_exist_makes_an_absent_profile_not_found() -> None:
    with pytest.raises(ProfileNotFound):
        decide(None, upsert(), API, now=NOW, must_exist=True)
    with pytest.raises(ProfileNotFound):
        decide(None, delete(), API, now=NOW, must_exist=True)


def test_deleting_an_absent_profile_without_must_exist_is_a_no_op() -> None:
    assert decide(None, delete(), API, now=NOW) == Decision(None, Skipped.ABSENT)


def test_a_stale_expected_version_is_a_mismatch() -> None:
    second = applied(applied(None, upsert()), patch(name="B"))
    stale = patch(name="C").model_copy(update={"expected_version": 1})

    with pytest.raises(VersionMismatch) as caught:
        decide(second, stale, API, now=NOW)

    assert (caught.value.expected, caught.value.actual) == (1, 2)


def test_expected_version_zero_means_the_profile_must_not_exist() -> None:
    first = applied(None, upsert())
    create = upsert().model_copy(update={"expected_version": 0})

    assert applied(None, create).version == 1
    with pytest.raises(ProfileExists):
        decide(first, create, API, now=NOW)


def test_deletion_leaves_a_tombstone_without_personal_fields_and_a_deleted_event() -> None:
    first = applied(None, upsert(program_id="emea"))

    tombstone = applied(first, delete())

    assert tombstone.deleted and tombstone.fields is None
    assert tombstone.version == 2
    assert tombstone.outbox[-1].event_type == "profile.deleted"
    assert tombstone.outbox[-1].needs_tombstone
    assert event(tombstone)["data"] == {"id": "p-1", "program_id": "emea", "version": 2}


def test_an_id_created_again_before_its_tombstone_is_gone_keeps_counting_versions() -> None:
    tombstone = applied(applied(None, upsert()), delete())

    again = applied(tombstone, upsert(name="Back"))

    assert again.version == 3 and not again.deleted
    assert [e.event_type for e in again.outbox] == [
        "profile.changed",
        "profile.deleted",
        "profile.changed",
    ]


def test_a_deleted_profile_cannot_be_patched() -> None:
    tombstone = applied(applied(None, upsert()), delete())

    with pytest.raises(ProfileNotFound):
        decide(tombstone, patch(name="Ghost"), API, now=NOW)
