"""A program's settings: its record over the deployment's defaults, or the defaults alone; and the
subscriber that keeps the read model of records and tells each program's owner."""

from datetime import UTC, date, datetime, timedelta

from structlog.testing import capture_logs

from services.matcher.adapters.handlers import record_program_change
from services.matcher.core.policy import Policy
from services.matcher.core.program_settings import settings_of
from services.matcher.usecases.directory import ProgramDirectory
from services.matcher.usecases.work import SettingsChanged
from shared.events import ProgramChanged
from tests.builders.programs import program_snapshot
from tests.fakes.matcher import RecordingForward
from tests.fakes.programs import FakePrograms

DEFAULTS = {"min_birth_year_gap": 12, "max_candidates": 30}
DEPLOYMENT = {"emea": {"min_common_hours": 2.0, "min_birth_year_gap": 15}}


def test_a_program_without_a_record_keeps_the_deployment_policy_and_continuous_matching() -> None:
    settings = settings_of("emea", None, defaults=DEFAULTS, deployment=DEPLOYMENT)

    assert settings.policy == Policy(min_common_hours=2.0, min_birth_year_gap=15, max_candidates=30)
    assert not settings.in_rounds and settings.settle == timedelta(0) and settings.version == 0
    assert settings.enrolment_open(date(1999, 1, 1))
    assert settings.next_round_after(datetime(2027, 1, 1, tzinfo=UTC)) is None


def test_a_record_lays_its_meeting_length_then_its_overrides_over_the_deployment() -> None:
    record = program_snapshot(
        "emea", version=4, meeting_minutes=45, policy={"min_common_hours": 3, "weight_gap": 0.3}
    )
    settings = settings_of("emea", record, defaults=DEFAULTS, deployment=DEPLOYMENT)

    assert settings.policy == Policy(
        min_common_hours=3,
        min_birth_year_gap=15,
        max_candidates=30,
        meeting_minutes=45,
        weight_gap=0.3,
    )
    assert settings.in_rounds and settings.version == 4
    assert settings.next_round_after(datetime(2027, 1, 1, tzinfo=UTC)) == datetime(
        2027, 2, 1, 8, tzinfo=UTC
    )
    assert settings.enrolment_open(date(2027, 1, 4)) and settings.enrolment_open(date(2027, 1, 29))
    assert not settings.enrolment_open(date(2027, 1, 30))


def test_a_continuous_record_settles_for_its_window() -> None:
    record = program_snapshot("emea", schedule={"mode": "continuous", "settle_minutes": 2})
    settings = settings_of("emea", record, defaults={}, deployment={})
    assert not settings.in_rounds and settings.settle == timedelta(minutes=2)


async def test_the_directory_reads_the_record_of_each_program() -> None:
    records = FakePrograms(program_snapshot("emea", policy={"min_common_hours": 3}))
    directory = ProgramDirectory(records, defaults=DEFAULTS, deployment=DEPLOYMENT)

    assert (await directory.policy_for("emea")).min_common_hours == 3
    assert (await directory.policy_for("apac")).min_common_hours == Policy().min_common_hours
    assert [s.program_id for s in await directory.with_records()] == ["emea"]


async def test_a_program_change_is_stored_and_its_owner_told_also_on_redelivery() -> None:
    records, forward = FakePrograms(), RecordingForward()
    event = ProgramChanged(
        producer="profiles", correlation_id="c-1", data=program_snapshot("emea", version=2)
    )

    for _ in range(2):
        assert await record_program_change(event, programs=records, forward=forward)

    assert records.records["emea"].version == 2
    assert [(w.data.program_id, w.data.item) for w in forward.sent] == 2 * [
        ("emea", SettingsChanged(version=2))
    ]
    assert forward.sent[0].correlation_id == "c-1"


async def test_an_older_record_than_the_stored_one_tells_nobody() -> None:
    records, forward = FakePrograms(program_snapshot("emea", version=3)), RecordingForward()
    older = ProgramChanged(producer="profiles", data=program_snapshot("emea", version=2))

    assert not await record_program_change(older, programs=records, forward=forward)
    assert records.records["emea"].version == 3 and forward.sent == []


def test_overrides_that_make_no_policy_with_the_defaults_leave_the_deployments_policy() -> None:
    record = program_snapshot("emea", policy={"weight_complementarity": 0, "weight_overlap": 0})
    settings = settings_of("emea", record, defaults={"weight_gap": 0}, deployment={})

    assert settings.refused and "weights" in settings.refused
    assert settings.policy == Policy(weight_gap=0, meeting_minutes=60)


async def test_the_directory_warns_once_per_record_version_whose_overrides_are_set_aside() -> None:
    bad = {"weight_complementarity": 0, "weight_overlap": 0}
    records = FakePrograms(program_snapshot("emea", version=1, policy=bad))
    directory = ProgramDirectory(records, defaults={"weight_gap": 0}, deployment={})

    with capture_logs() as logs:
        first = await directory.settings_for("emea")
        await directory.settings_for("emea")
        records.records["emea"] = program_snapshot("emea", version=2, policy=bad)
        await directory.settings_for("emea")

    warned = [e for e in logs if e["event"] == "program_policy_refused"]
    assert [(e["program_id"], e["version"], e["log_level"]) for e in warned] == [
        ("emea", 1, "warning"),
        ("emea", 2, "warning"),
    ]
    assert first.policy == Policy(weight_gap=0, meeting_minutes=60)
