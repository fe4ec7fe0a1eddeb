"""What the matcher needs to know of one program: its policy, its schedule and its dates.

A program with a record (`shared.programs`, from `programs.changes.v1`) takes its settings from it;
one without behaves as before programs had records: the deployment's policy (`MATCHER_POLICY`,
then `MATCHER_PROGRAM_POLICIES` for it), matched continuously without a settle window. The policy
is laid in that order: defaults, the deployment's overrides, the record's meeting length, the
record's own overrides. Should the record's overrides make no valid policy together with the
deployment's defaults (each is valid alone), the program keeps the deployment's policy and the
reason is reported (`ProgramSettings.refused`).
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from services.matcher.core.policy import Policy
from shared.programs import ContinuousSchedule, ProgramSnapshot, RoundsSchedule, Schedule

NO_RECORD_SCHEDULE = ContinuousSchedule(settle_minutes=0)
"""Without a record a newcomer is proposed in the next engine step, as before."""


@dataclass(frozen=True)
class ProgramSettings:
    program_id: str
    policy: Policy
    schedule: Schedule
    record: ProgramSnapshot | None = None
    """The program's record, if it has one (its version tells settings apart)."""
    refused: str | None = None
    """Why the record's policy overrides were not applied: together with this deployment's
    defaults they make no valid policy (for example all three weights zero)."""

    @property
    def in_rounds(self) -> bool:
        """Nobody is proposed until a round runs."""
        return isinstance(self.schedule, RoundsSchedule)

    @property
    def settle(self) -> timedelta:
        """How long a newcomer waits for others in continuous mode (zero in rounds mode)."""
        if isinstance(self.schedule, ContinuousSchedule):
            return timedelta(minutes=self.schedule.settle_minutes)
        return timedelta(0)

    @property
    def version(self) -> int:
        """The record's version; 0 without a record."""
        return self.record.version if self.record else 0

    def enrolment_open(self, day: date) -> bool:
        """Whether people may join on `day` (local); open-ended without a record."""
        if self.record is None:
            return True
        opens, closes = self.record.enrolment_opens, self.record.enrolment_closes
        return (opens is None or opens <= day) and (closes is None or day <= closes)

    def next_round_after(self, after: datetime) -> datetime | None:
        """The next scheduled round strictly after the aware instant `after`, in UTC."""
        return self.record.next_round_after(after) if self.record else None


def settings_of(
    program_id: str,
    record: ProgramSnapshot | None,
    *,
    defaults: Mapping[str, Any],
    deployment: Mapping[str, Mapping[str, Any]],
    without_record: Schedule = NO_RECORD_SCHEDULE,
) -> ProgramSettings:
    """The settings of one program: `defaults` for every program, `deployment` per program id;
    `without_record` is the schedule of a program that has no record (the deployment's)."""
    knobs = dict(defaults) | dict(deployment.get(program_id, {}))
    if record is None:
        return ProgramSettings(program_id, Policy(**knobs), without_record)
    if record.meeting_minutes is not None:
        knobs["meeting_minutes"] = record.meeting_minutes
    try:
        policy = Policy(**(knobs | record.policy.set_knobs()))
    except ValueError as invalid:  # a program keeps matching, on the deployment's policy
        return ProgramSettings(program_id, Policy(**knobs), record.schedule, record, str(invalid))
    return ProgramSettings(program_id, policy, record.schedule, record)
