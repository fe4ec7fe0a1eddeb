"""The one way a profile changes, shared by the HTTP API, the ingress consumer and the bulk import.

Each change is read, decided (`changes.decide`, pure) and written as one single-document write that
carries the new state and its pending event. A write that loses a race to another writer is
retried from a fresh read; a request that pins a version then fails with `VersionMismatch`.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import uuid4

from services.profiles.changes import SEEN_KEPT, Origin, Skipped, decide
from services.profiles.errors import ProfileNotFound, WriteConflict
from services.profiles.locks import KeyedLocks
from services.profiles.records import ProfileRecord
from services.profiles.store import ProfileQuery, ProfileStore
from shared.commands import ProfileChangeRequest
from shared.profile import ProfileFields

ATTEMPTS = 3


def now_ms() -> datetime:
    """The current time at the store's precision (milliseconds), so what we announce equals what
    we read back."""
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


@dataclass(frozen=True)
class Outcome:
    """The stored record after the request (None if there is none) and why nothing was written."""

    record: ProfileRecord | None
    skipped: Skipped | None = None


class ProfileService:
    def __init__(
        self,
        store: ProfileStore,
        *,
        locks: KeyedLocks,
        on_write: Callable[[str], None] = lambda _: None,
        clock: Callable[[], datetime] = now_ms,
        seen_kept: int = SEEN_KEPT,
    ) -> None:
        self._store = store
        self._locks = locks
        self._on_write = on_write
        self._clock = clock
        self._seen_kept = seen_kept

    async def get(self, profile_id: str) -> ProfileRecord:
        """A live profile; a deleted one is not found."""
        record = await self._store.get(profile_id)
        if record is None or record.deleted:
            raise ProfileNotFound(profile_id)
        return record

    async def search(self, query: ProfileQuery, *, limit: int) -> list[ProfileRecord]:
        return await self._store.find(query, limit=limit)

    async def create(self, fields: ProfileFields, origin: Origin) -> ProfileRecord:
        """A new profile under a fresh id."""
        request = ProfileChangeRequest(
            op="upsert", profile_id=uuid4().hex, profile=fields, expected_version=0
        )
        outcome = await self.apply(request, origin)
        assert outcome.record is not None
        return outcome.record

    async def apply(
        self, request: ProfileChangeRequest, origin: Origin, *, must_exist: bool = False
    ) -> Outcome:
        """Apply one change; see `changes.decide` for the rules."""
        for _ in range(ATTEMPTS):
            async with self._locks.hold(request.profile_id):
                current = await self._store.get(request.profile_id)
                decision = decide(
                    current,
                    request,
                    origin,
                    now=self._clock(),
                    must_exist=must_exist,
                    seen_kept=self._seen_kept,
                )
                if decision.record is None:
                    return Outcome(_live(current), decision.skipped)
                if await self._save(current, decision.record):
                    self._on_write(request.profile_id)
                    return Outcome(_live(decision.record))
        raise WriteConflict(request.profile_id)

    async def _save(self, current: ProfileRecord | None, record: ProfileRecord) -> bool:
        if current is None:
            return await self._store.insert(record)
        return await self._store.update(record, expected_version=current.version)


def _live(record: ProfileRecord | None) -> ProfileRecord | None:
    return record if record is not None and not record.deleted else None
