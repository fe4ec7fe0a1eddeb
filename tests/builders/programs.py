"""Builders for programs: the settings an operator submits, valid unless overridden."""

from datetime import UTC, datetime
from typing import Any

from shared.programs import ProgramFields, ProgramSnapshot


def program_body(**overrides: Any) -> dict[str, Any]:
    """A valid program as JSON; override any field."""
    base: dict[str, Any] = {
        "name": "EMEA 2027",
        "timezone": "Europe/Berlin",
        "enrolment_opens": "2027-01-04",
        "enrolment_closes": "2027-01-29",
        "schedule": {"mode": "rounds", "rounds_at": ["2027-02-01T09:00:00"]},
        "policy": {"min_common_hours": 1.5},
        "meeting_interval_weeks": 2,
        "meeting_minutes": 60,
        "starts_on": "2027-02-01",
        "ends_on": "2027-07-30",
        "sender": "mentoring-emea@example.org",
    }
    return base | overrides


def program_fields(**overrides: Any) -> ProgramFields:
    """A valid program; override any field."""
    return ProgramFields.model_validate(program_body(**overrides))


def program_snapshot(program_id: str, *, version: int = 1, **overrides: Any) -> ProgramSnapshot:
    """A stored program record; override any field."""
    stored = {"id": program_id, "version": version, "updated_at": datetime.now(UTC)}
    return ProgramSnapshot.model_validate(program_body(**overrides) | stored)
