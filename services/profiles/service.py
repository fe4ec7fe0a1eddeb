"""The one way a profile changes, shared by the HTTP API, the ingress consumer and the bulk import.

Each change is read, decided (`changes.decide`, pure) and written as one single-document write that
carries the new state and its pending event. A write that loses a race to another writer is
retried from a fresh read; a request that pins a version then fails with `VersionMismatch`.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol
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


class WriteObserver(Protocol):
    """Told about every record stored (the relay, which publishes its events), and about a record
    that a repeated ingress request finds with events still in its outbox: they may have been
    stored by an earlier try whose answer was lost."""

    def written(self, record: ProfileRecord) -> None: ...


class Unobserved:
    """For writers that tell nobody (tests)."""

    def written(self, record: ProfileRecord) -> None:
        return None


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
        observer: WriteObserver | None = None,
        clock: Callable[[], datetime] = now_ms,
        seen_kept: int = SEEN_KEPT,
    ) -> None:
        self._store = store
        self._locks = locks
        self._observer = observer or Unobserved()
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
        self,
        request: ProfileChangeRequest,
        origin: Origin,
        *,
        must_exist: bool = False,
        read_first: bool = False,
    ) -> Outcome:
        """Apply one change; see `changes.decide` for the rules. `read_first`: the profile is
        probably stored (a re-import), so an upsert reads it rather than trying an insert."""
        # An upsert that may create the profile is first tried as a plain insert, without a read:
        # the unique `_id` refuses it if the id is taken, and then we read and decide again. (A
        # profile that is not stored has no history to check a duplicate or a stale request
        # against, so deciding on "absent" without reading changes nothing.)
        read = must_exist or request.op != "upsert" or (request.expected_version or 0) > 0
        read = read or read_first
        for _ in range(ATTEMPTS):
            async with self._locks.hold(request.profile_id):
                current = await self._store.get(request.profile_id) if read else None
                read = True
                decision = decide(
                    current,
                    request,
                    origin,
                    now=self._clock(),
                    must_exist=must_exist,
                    seen_kept=self._seen_kept,
                )
                if decision.record is None:
                    if decision.skipped is Skipped.DUPLICATE and current and current.outbox:
                        self._observer.written(current)  # perhaps stored by a lost answer's try
                    return Outcome(_live(current), decision.skipped)
                if saved := await self._save(current, decision.record):
                    return Outcome(_live(saved))
        raise WriteConflict(request.profile_id)

    async def _save(
        self, current: ProfileRecord | None, record: ProfileRecord
    ) -> ProfileRecord | None:
        """Store `record`; None if another writer got there first."""
        if current is None:
            saved = await self._store.insert(record)
        else:
            saved = await self._store.update(record, expected_version=current.version)
        if not saved:
            return None
        self._observer.written(record)
        return record


def _live(record: ProfileRecord | None) -> ProfileRecord | None:
    return record if record is not None and not record.deleted else None
