"""The shared contract: what producers may send and what consumers can rely on."""

import json
from datetime import UTC, datetime

import pytest
from pydantic import TypeAdapter, ValidationError

from deploy import docs
from shared.commands import ProfileChangeRequest, UpdateProfile
from shared.events import PairingEvent, ProfileChanged, ProfileEvent
from shared.profile import ProfilePatch, ProfileSnapshot, TimeRange
from shared.topics import Topics
from tests.builders.profiles import profile_fields


def _errors(exc: ValidationError) -> dict[str, str]:
    return {".".join(map(str, e["loc"])): e["msg"] for e in exc.errors()}


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("timezone", "Mars/Olympus_Mons", "unknown IANA timezone"),
        ("birth_year", 1850, "birth year must be between"),
        ("birth_year", datetime.now(UTC).year, "birth year must be between"),
        ("email", "not-an-address", "valid email"),
        ("languages", [], "at least 1 item"),
        ("name", "Eve\r\nBcc: x@example.org", "control characters"),
        ("availability", {}, "at least one time range"),
        ("availability", {"mon": [{"start": "10:00", "end": "10:00"}]}, "end after it starts"),
        ("availability", {"mon": [{"start": "25:00", "end": "26:00"}]}, "is not HH:MM"),
        ("availability", {"someday": [{"start": "10:00", "end": "11:00"}]}, "Input should be"),
    ],
)
def test_impossible_values_are_rejected_with_a_clear_message(
    field: str, value: object, message: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        profile_fields(**{field: value})

    errors = _errors(caught.value)
    assert any(key.startswith(field) and message in msg for key, msg in errors.items()), errors


def test_availability_ranges_are_merged_and_days_ordered() -> None:
    fields = profile_fields(
        availability={
            "sun": [{"start": "09:00", "end": "10:00"}],
            "mon": [{"start": "18:00", "end": "20:00"}, {"start": "17:00", "end": "18:30"}],
        }
    )

    assert list(fields.availability) == ["mon", "sun"]
    assert fields.availability["mon"] == [TimeRange(start=17 * 60, end=20 * 60)]
    assert fields.model_dump(mode="json")["availability"]["mon"] == [
        {"start": "17:00", "end": "20:00"}
    ]


def test_email_and_languages_are_normalised() -> None:
    fields = profile_fields(email="Ada@Example.ORG", languages=["EN", "de", "en"])

    assert fields.email == "ada@example.org"
    assert fields.languages == ["en", "de"]


def test_patch_is_validated_against_the_whole_profile() -> None:
    current = profile_fields()

    assert ProfilePatch(name="Grace").apply_to(current).name == "Grace"
    assert ProfilePatch.model_validate({}).apply_to(current) == current
    with pytest.raises(ValidationError):
        ProfilePatch.model_validate({"timezone": "Nowhere/Town"})


def test_unknown_fields_are_ignored_and_required_ones_enforced() -> None:
    body = {
        "event_type": "profile.update",
        "schema_version": 1,
        "producer": "hr-sync",
        "added_in_a_later_version": True,
        "data": {"op": "delete", "profile_id": "p-1", "extra": 1},
    }
    command = UpdateProfile.model_validate_json(json.dumps(body))
    assert command.data.op == "delete"

    del body["producer"]
    with pytest.raises(ValidationError, match="producer"):
        UpdateProfile.model_validate(body)


def test_an_upsert_needs_a_profile_and_a_patch_needs_a_patch() -> None:
    with pytest.raises(ValidationError, match="needs 'profile'"):
        ProfileChangeRequest(op="upsert", profile_id="p-1")
    with pytest.raises(ValidationError, match="needs 'patch'"):
        ProfileChangeRequest(op="patch", profile_id="p-1")


def test_a_topic_with_several_event_types_parses_by_event_type() -> None:
    snapshot = ProfileSnapshot(
        **profile_fields().model_dump(), id="p-1", version=3, updated_at=datetime.now(UTC)
    )
    wire = ProfileChanged(producer="profiles", data=snapshot).model_dump_json()

    parsed = TypeAdapter(ProfileEvent).validate_json(wire)

    assert isinstance(parsed, ProfileChanged)
    assert parsed.data.version == 3
    with pytest.raises(ValidationError):
        TypeAdapter(PairingEvent).validate_json(wire)


def test_envelope_headers_carry_type_version_and_correlation() -> None:
    command = UpdateProfile(
        producer="hr-sync",
        correlation_id="req-42",
        data=ProfileChangeRequest(op="delete", profile_id="p-1"),
    )

    assert command.headers() | {"event_id": "x"} == {
        "event_type": "profile.update",
        "schema_version": "1",
        "event_id": "x",
        "producer": "hr-sync",
        "content-type": "application/json",
        "correlation_id": "req-42",
    }
    assert command.caused(producer="profiles")["correlation_id"] == "req-42"


def test_topic_prefix_applies_to_every_topic_and_its_dead_letter_twin() -> None:
    names = Topics(prefix="blue.").all()

    assert all(name.startswith("blue.") for name in names)
    assert "blue.profiles.updates.v1.dlq" in names
    assert len(set(names)) == len(names)


def test_committed_contract_documents_are_current() -> None:
    assert docs.stale() == [], "run: python -m deploy.docs"
