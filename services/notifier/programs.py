"""Whose emails, which meetings and when the invite's alarm rings, per program: the program's
record where it has one, the deployment's settings (`NOTIFIER_PROGRAM_NAME`,
`NOTIFIER_PROGRAM_MAILBOX`, `NOTIFIER_MEETING_*`, `NOTIFIER_PROGRAM_WEEKS`,
`NOTIFIER_ALARM_MINUTES_BEFORE`) where it has none or leaves a field unset."""

from dataclasses import replace
from datetime import timedelta
from typing import Protocol

from services.notifier.compose import MeetingPolicy, Program
from shared.programs import ProgramSnapshot


class ProgramRecords(Protocol):
    """The notifier's copy of the program records (`shared.program_records`)."""

    async def apply(self, snapshot: ProgramSnapshot) -> bool: ...
    async def get(self, program_id: str) -> ProgramSnapshot | None: ...


class NoRecords:
    """For a notifier without a store of records (tests): every program uses the defaults."""

    async def apply(self, snapshot: ProgramSnapshot) -> bool:
        return False

    async def get(self, program_id: str) -> ProgramSnapshot | None:
        return None


def program_settings(
    record: ProgramSnapshot | None, *, program: Program, meetings: MeetingPolicy
) -> tuple[Program, MeetingPolicy]:
    """The sender and the meeting policy of one program (pure)."""
    if record is None:
        return program, meetings
    sender = Program(mailbox=str(record.sender), name=record.name)
    length = timedelta(minutes=record.meeting_minutes) if record.meeting_minutes else None
    policy = replace(
        meetings,
        length=length or meetings.length,
        interval_weeks=record.meeting_interval_weeks or meetings.interval_weeks,
        until=record.ends_on,
    )
    return sender, policy


def alarm_before(record: ProgramSnapshot | None, *, default: timedelta) -> timedelta:
    """How long before each meeting the invite's alarm rings: the record's lead, else `default`."""
    if record is None or record.alarm_minutes_before is None:
        return default
    return timedelta(minutes=record.alarm_minutes_before)
