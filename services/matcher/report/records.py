"""What a program report is computed from: the matcher's records of one program, read once."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from services.matcher.usecases.ports import PairingRecord
from shared.checkins import CheckinAnswer
from shared.profile import ProfileSnapshot
from shared.programs import ProgramSnapshot


@dataclass(frozen=True)
class Unpaired:
    """An opted-in person without a live pairing, with why (the preview's words)."""

    person_id: str
    reason: str


@dataclass(frozen=True)
class ProgramRecords:
    program_id: str
    now: datetime
    program: ProgramSnapshot | None
    people: Sequence[ProfileSnapshot]
    pairings: Sequence[PairingRecord]
    answers: Sequence[CheckinAnswer] = ()
    """Each person's current answer per check-in (the latest revision)."""
    unpaired: Sequence[Unpaired] = ()
