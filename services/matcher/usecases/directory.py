"""The programs the matcher knows: its read model of `programs.changes.v1`, and the settings of
each program as the rest of the matcher asks for them (`ProgramDirectory.settings_for`)."""

from collections.abc import Mapping
from typing import Any, Protocol

import structlog

from services.matcher.core.policy import Policy
from services.matcher.core.program_settings import (
    NO_RECORD_SCHEDULE,
    ProgramSettings,
    settings_of,
)
from shared.programs import ProgramSnapshot, Schedule

log = structlog.get_logger(__name__)


class ProgramRecords(Protocol):
    """The matcher's copy of the program records, by program id."""

    async def apply(self, snapshot: ProgramSnapshot) -> bool:
        """Store a newer record. True when the stored record is now this version (also for a
        replay of it); False when a newer one is stored."""
        ...

    async def get(self, program_id: str) -> ProgramSnapshot | None: ...
    async def every(self) -> list[ProgramSnapshot]:
        """Every record (programs are few: one document each)."""
        ...


class ProgramDirectory:
    """Settings per program: the record's, over the deployment's defaults."""

    def __init__(
        self,
        records: ProgramRecords,
        *,
        defaults: Mapping[str, Any],
        deployment: Mapping[str, Mapping[str, Any]],
        without_record: Schedule = NO_RECORD_SCHEDULE,
    ) -> None:
        """`without_record`: the schedule of programs without a record (`MATCHER_SETTLE_MINUTES`)."""
        self._records, self._defaults, self._deployment = records, defaults, deployment
        self._without_record = without_record
        self._warned: set[tuple[str, int]] = set()

    async def settings_for(self, program_id: str) -> ProgramSettings:
        record = await self._records.get(program_id)
        settings = settings_of(
            program_id,
            record,
            defaults=self._defaults,
            deployment=self._deployment,
            without_record=self._without_record,
        )
        self._warn(settings)
        return settings

    async def policy_for(self, program_id: str) -> Policy:
        return (await self.settings_for(program_id)).policy

    async def with_records(self) -> list[ProgramSettings]:
        """The settings of every program that has a record, by program id."""
        records = sorted(await self._records.every(), key=lambda r: r.id)
        return [
            settings_of(r.id, r, defaults=self._defaults, deployment=self._deployment)
            for r in records
        ]

    def _warn(self, settings: ProgramSettings) -> None:
        """Say once per record version that its policy overrides were set aside (the program
        matches on the deployment's policy meanwhile)."""
        if settings.refused is None or settings.record is None:
            return
        seen = (settings.program_id, settings.record.version)
        if seen not in self._warned:
            self._warned.add(seen)
            log.warning(
                "program_policy_refused",
                program_id=settings.program_id,
                version=settings.record.version,
                reason=settings.refused,
            )
