"""Deciding a program change: a new version with one event, nothing for no change, 412 for a
stale version; events not yet published stay ahead of the new one."""

from datetime import UTC, datetime

import pytest

from services.profiles.changes import Origin
from services.profiles.errors import VersionMismatch
from services.profiles.programs.changes import decide
from shared.events import ProgramChanged
from tests.builders.programs import program_fields

NOW = datetime(2027, 1, 2, 10, tzinfo=UTC)
ORIGIN = Origin(producer="profiles", correlation_id="c-1")


def test_a_new_program_is_version_one_with_its_event() -> None:
    decision = decide("emea", None, program_fields(), ORIGIN, expected_version=0, now=NOW)

    assert decision.store is not None and decision.store.version == 1
    [entry] = decision.store.outbox
    event = ProgramChanged.model_validate_json(entry.payload)
    assert (event.data.id, event.data.version, event.correlation_id) == ("emea", 1, "c-1")
    assert entry.headers["event_type"] == "program.changed"


def test_the_same_fields_again_are_no_change() -> None:
    first = decide("emea", None, program_fields(), ORIGIN, expected_version=None, now=NOW).store
    assert first is not None
    again = decide("emea", first, program_fields(), ORIGIN, expected_version=None, now=NOW)
    assert again.store is None and again.result == first


def test_a_change_keeps_unpublished_events_first() -> None:
    first = decide("emea", None, program_fields(), ORIGIN, expected_version=None, now=NOW).store
    assert first is not None
    second = decide("emea", first, program_fields(name="B"), ORIGIN, expected_version=1, now=NOW)
    assert second.store is not None
    assert [e.version for e in second.store.outbox] == [1, 2]


@pytest.mark.parametrize("expected", [0, 2])
def test_a_version_that_is_not_current_is_refused(expected: int) -> None:
    first = decide("emea", None, program_fields(), ORIGIN, expected_version=None, now=NOW).store
    with pytest.raises(VersionMismatch):
        decide("emea", first, program_fields(name="B"), ORIGIN, expected_version=expected, now=NOW)
