"""What the matcher needs to know of a program: its timezone, its matching schedule, its policy.

Programs are owned elsewhere (the program records); the matcher reads them through this port,
and an adapter falls back to the `MATCHER_*` defaults for a program without a record. Asked once
per step, so a changed schedule or policy counts from the next step, or the next round.
"""

from dataclasses import dataclass, field
from typing import Protocol

from services.matcher.core.policy import Policy
from services.matcher.core.schedule import Schedule


@dataclass(frozen=True)
class ProgramSettings:
    program_id: str
    timezone: str = "UTC"
    schedule: Schedule = field(default_factory=Schedule)
    policy: Policy = field(default_factory=Policy)


class ProgramDirectory(Protocol):
    async def settings_of(self, program_id: str) -> ProgramSettings:
        """The program's settings (the defaults for a program without a record)."""
        ...

    async def scheduled(self) -> list[ProgramSettings]:
        """Every program matched in rounds, for the clock that starts scheduled rounds."""
        ...
