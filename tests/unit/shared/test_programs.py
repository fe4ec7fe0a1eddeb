"""The program record: what an operator may set, and the reasons an invalid one is refused."""

import dataclasses
from datetime import UTC, date, datetime
from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

from services.matcher.core.policy import Policy
from shared.events import ProgramChanged
from shared.programs import (
    ContinuousSchedule,
    PolicyOverrides,
    ProgramPatch,
    ProgramSnapshot,
    RoundsSchedule,
    Schedule,
)
from shared.topics import Topics
from tests.builders.programs import program_body, program_fields


def _reasons(body: dict[str, Any]) -> str:
    with pytest.raises(ValidationError) as caught:
        program_fields(**body)
    return " | ".join(e["msg"] for e in caught.value.errors())


def test_every_override_is_a_policy_knob() -> None:
    knobs = {f.name for f in dataclasses.fields(Policy)}
    assert set(PolicyOverrides.model_fields) <= knobs
    assert set(PolicyOverrides.model_fields) == knobs  # every knob can be set per program


def test_overrides_lay_only_the_set_knobs_over_the_defaults() -> None:
    overrides = PolicyOverrides(min_common_hours=2, require_two_way=False)
    assert overrides.set_knobs() == {"min_common_hours": 2, "require_two_way": False}
    assert Policy(**overrides.set_knobs()).min_common_hours == 2


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"timezone": "Mars/Olympus_Mons"}, "unknown IANA timezone"),
        ({"enrolment_closes": "2027-01-01"}, "enrolment_closes must not be before enrolment_opens"),
        ({"ends_on": "2027-02-01"}, "ends_on must be after starts_on"),
        ({"enrolment_opens": "2027-08-01", "enrolment_closes": None}, "enrolment_opens must not"),
        ({"sender": "nobody"}, "valid email"),
        ({"meeting_interval_weeks": 0}, "greater than or equal to 1"),
        ({"policy": {"max_candidates": 0}}, "greater than or equal to 1"),
        (
            {"policy": {"weight_complementarity": 0, "weight_overlap": 0, "weight_gap": 0}},
            "weights must not all be zero",
        ),
        ({"policy": {"meeting_minutes": 30}}, "policy.meeting_minutes must be at least"),
        ({"schedule": {"mode": "weekly"}}, "does not match any of the expected tags"),
        ({"schedule": {"mode": "continuous", "settle_minutes": -1}}, "greater than or equal"),
        (
            {"schedule": {"mode": "rounds", "rounds_at": ["2027-08-01T09:00:00"]}},
            "round at 2027-08-01T09:00:00 is outside the program",
        ),
        (
            {"schedule": {"mode": "rounds", "rounds_at": ["2027-01-01T09:00:00"]}},
            "is outside the program",
        ),
        (
            {"schedule": {"mode": "rounds", "rounds_at": ["2027-02-01T09:00:00+01:00"]}},
            "without offset",
        ),
        ({"schedule": {"mode": "rounds", "rounds_rule": "FREQ=FORTNIGHTLY"}}, "not a valid"),
        ({"schedule": {"mode": "rounds", "rounds_rule": "FREQ=MINUTELY"}}, "at most hourly"),
        (
            {"schedule": {"mode": "rounds", "rounds_rule": "FREQ=DAILY;UNTIL=20270301T000000Z"}},
            "UNTIL is a local time",
        ),
        (
            {"schedule": {"mode": "rounds", "rounds_rule": "DTSTART:20270101T000000\nFREQ=DAILY"}},
            "without DTSTART",
        ),
        (
            {"schedule": {"mode": "rounds", "rounds_rule": "FREQ=DAILY;UNTIL=20261231T000000"}},
            "no occurrence before ends_on",
        ),
    ],
)
def test_invalid_settings_are_refused_with_a_reason(body: dict[str, Any], reason: str) -> None:
    assert reason in _reasons(body)


def test_open_ended_enrolment_and_defaults_are_valid() -> None:
    program = program_fields(
        enrolment_opens=None, enrolment_closes=None, meeting_minutes=None, policy={}
    )
    assert program.enrolment_opens is None and program.meeting_minutes is None
    assert program.policy.set_knobs() == {}
    assert program.round_anchor() == datetime(2027, 2, 1)


def test_schedule_is_chosen_by_mode_and_settle_has_a_default() -> None:
    adapter: TypeAdapter[Schedule] = TypeAdapter(Schedule)
    assert adapter.validate_python({"mode": "continuous"}) == ContinuousSchedule(settle_minutes=5)
    rounds = adapter.validate_python(
        {
            "mode": "rounds",
            "rounds_at": ["2027-02-02T09:00", "2027-02-01T09:00", "2027-02-01T09:00"],
        }
    )
    assert isinstance(rounds, RoundsSchedule)
    assert rounds.rounds_at == [datetime(2027, 2, 1, 9), datetime(2027, 2, 2, 9)]


def test_rule_accepts_the_rrule_prefix_and_runs_in_local_time() -> None:
    program = program_fields(
        schedule={"mode": "rounds", "rounds_rule": "RRULE:FREQ=WEEKLY;BYDAY=MO;BYHOUR=9"}
    )
    after = datetime(2027, 3, 30, 12, tzinfo=UTC)  # Berlin is on summer time (UTC+2) since 28 March
    assert program.next_round_after(after) == datetime(2027, 4, 5, 7, tzinfo=UTC)


def test_no_round_in_continuous_mode_or_after_the_end() -> None:
    assert (
        program_fields(schedule={"mode": "continuous"}).next_round_after(
            datetime(2027, 1, 1, tzinfo=UTC)
        )
        is None
    )
    assert program_fields().next_round_after(datetime(2027, 2, 1, 8, tzinfo=UTC)) is None
    assert program_fields().next_round_after(datetime(2027, 2, 1, 7, tzinfo=UTC)) == datetime(
        2027, 2, 1, 8, tzinfo=UTC
    )


def test_patch_keeps_unset_fields_clears_options_and_validates_the_whole() -> None:
    current = program_fields()
    patched = ProgramPatch.model_validate({"name": "EMEA 27", "enrolment_closes": None}).apply_to(
        current
    )
    assert patched.name == "EMEA 27" and patched.enrolment_closes is None
    assert patched.schedule == current.schedule
    with pytest.raises(ValidationError, match="ends_on must be after starts_on"):
        ProgramPatch(ends_on=date(2027, 1, 1)).apply_to(current)


def test_changed_event_round_trips_and_is_keyed_on_a_compacted_topic() -> None:
    snapshot = ProgramSnapshot.model_validate(
        program_body(id="emea-2027", version=3, updated_at="2027-01-02T10:00:00Z")
    )
    event = ProgramChanged(producer="profiles", data=snapshot)
    again = ProgramChanged.model_validate_json(event.model_dump_json())
    assert again == event and again.data.schedule == snapshot.schedule
    topics = Topics(prefix="t.")
    assert topics.program_changes == "t.programs.changes.v1"
    assert topics.program_changes in topics.compacted() and topics.program_changes in topics.all()


def test_every_inconsistency_is_named_at_once() -> None:
    reasons = _reasons({"enrolment_closes": "2027-01-01", "ends_on": "2027-01-15"})
    assert "enrolment_closes must not be before enrolment_opens" in reasons
    assert "ends_on must be after starts_on" in reasons
