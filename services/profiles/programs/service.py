"""The one way a program changes: read, decide (`changes.decide`), write with its event.

Each program id is written under this process's lock for it (as profiles are, see `locks`); a
write that loses a race to another process is retried from a fresh read, and a request that pins
a version then fails with `VersionMismatch`.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from pydantic import ValidationError

from services.profiles.changes import Origin
from services.profiles.errors import InvalidChange, ProgramNotFound, WriteConflict
from services.profiles.locks import KeyedLocks
from services.profiles.programs.changes import decide
from services.profiles.programs.records import ProgramRecord
from services.profiles.programs.store import ProgramStore
from services.profiles.service import now_ms
from shared.programs import ProgramFields, ProgramPatch

ATTEMPTS = 3


class ProgramObserver(Protocol):
    """Told about every record stored (the relay, which publishes its events)."""

    def written(self, record: ProgramRecord) -> None: ...


@dataclass(frozen=True)
class Saved:
    record: ProgramRecord
    created: bool


class ProgramService:
    def __init__(
        self,
        store: ProgramStore,
        *,
        locks: KeyedLocks,
        observer: ProgramObserver,
        clock: Callable[[], datetime] = now_ms,
    ) -> None:
        self._store, self._locks, self._observer, self._clock = store, locks, observer, clock

    async def get(self, program_id: str) -> ProgramRecord:
        record = await self._store.get(program_id)
        if record is None:
            raise ProgramNotFound(program_id)
        return record

    async def every(self, *, limit: int, after: str | None = None) -> list[ProgramRecord]:
        return await self._store.every(limit=limit, after=after)

    async def put(
        self, program_id: str, fields: ProgramFields, origin: Origin, *, expected: int | None
    ) -> Saved:
        """Create or replace the whole program."""
        return await self._change(program_id, lambda _: fields, origin, expected, must_exist=False)

    async def patch(
        self, program_id: str, patch: ProgramPatch, origin: Origin, *, expected: int | None
    ) -> Saved:
        """Change the fields sent; the result is validated as a whole."""

        def patched(current: ProgramRecord | None) -> ProgramFields:
            assert current is not None
            try:
                return patch.apply_to(current.fields)
            except ValidationError as exc:
                raise InvalidChange(exc.errors()) from exc

        return await self._change(program_id, patched, origin, expected, must_exist=True)

    async def _change(
        self,
        program_id: str,
        change: Callable[[ProgramRecord | None], ProgramFields],
        origin: Origin,
        expected: int | None,
        *,
        must_exist: bool,
    ) -> Saved:
        for _ in range(ATTEMPTS):
            async with self._locks.hold(program_id):
                current = await self._store.get(program_id)
                if current is None and must_exist:
                    raise ProgramNotFound(program_id)
                now = self._clock()
                decision = decide(
                    program_id, current, change(current), origin, expected_version=expected, now=now
                )
                if decision.store is None:
                    return Saved(decision.result, created=False)
                if await self._save(current, decision.store):
                    return Saved(decision.store, created=current is None)
        raise WriteConflict(program_id)

    async def _save(self, current: ProgramRecord | None, record: ProgramRecord) -> bool:
        if current is None:
            saved = await self._store.insert(record)
        else:
            saved = await self._store.update(record, expected_version=current.version)
        if saved:
            self._observer.written(record)
        return saved
