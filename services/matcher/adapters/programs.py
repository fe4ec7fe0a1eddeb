"""The program directory from configuration: per-program settings, the defaults for the rest.

Stands in for the program records until the matcher reads them: the same port
(`usecases.directory.ProgramDirectory`), so the records replace it without touching the use
cases.
"""

from collections.abc import Callable, Collection

from services.matcher.usecases.directory import ProgramSettings


class ConfiguredPrograms:
    def __init__(
        self, settings_for: Callable[[str], ProgramSettings], *, configured: Collection[str]
    ) -> None:
        """`settings_for(program)`: its settings; `configured`: the programs given their own."""
        self._settings_for, self._configured = settings_for, sorted(configured)

    async def settings_of(self, program_id: str) -> ProgramSettings:
        return self._settings_for(program_id)

    async def scheduled(self) -> list[ProgramSettings]:
        found = [self._settings_for(program_id) for program_id in self._configured]
        return [s for s in found if s.schedule.mode == "rounds"]
