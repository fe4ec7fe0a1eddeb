"""The matcher's ports: people (its read model), pairings with their outbox, person slots, and
the relay that publishes that outbox.

One implementation of each lives in `adapters/` (MongoDB stores, the relay); fakes that record
calls live under `tests/`. Pairing ids are deterministic per pair, and a pair that ever ended in a
terminal state is never proposed again, so the pairing documents double as the program's blocked
pairs.
"""

import hashlib
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from pydantic import AwareDatetime, BaseModel, ConfigDict

from services.matcher.core.lifecycle import PairingState, Status
from shared.envelope import Envelope
from shared.events import CancelReason, Explanation, Participant
from shared.profile import ProfileSnapshot


def pairing_id(program_id: str, younger_id: str, older_id: str) -> str:
    """The same pair in the same program always gets the same id, so a retry cannot duplicate it."""
    digest = hashlib.sha256(f"{program_id}\x1f{younger_id}\x1f{older_id}".encode()).hexdigest()
    return f"pr-{digest[:32]}"


def slot_id(person_id: str, k: int) -> str:
    """The id of a person's k-th slot (k below their capacity)."""
    return f"{person_id}#{k}"


def slot_order(capacity: int, first: int) -> list[int]:
    """The slots to try: `first`, then the others in order (all of them, each once)."""
    start = first if 0 <= first < capacity else 0
    return [*range(start, capacity), *range(start)]


class PairingRecord(BaseModel):
    """A pairing as stored and as operators read it."""

    model_config = ConfigDict(extra="ignore")

    id: str
    program_id: str
    younger: Participant
    older: Participant
    explanation: Explanation
    state: PairingState
    accepted_by: list[str] = []
    sequence: int = 0
    proposed_at: AwareDatetime
    expires_at: AwareDatetime
    updated_at: AwareDatetime
    reason_code: CancelReason | None = None
    reason: str | None = None
    activated_at: AwareDatetime | None = None  # both accepted; unset if stored before it was kept
    closed_at: AwareDatetime | None = None  # reached a terminal state (declined ... ended)
    flags: list[str] = []  # what its check-ins flagged for the program lead (`FlagCode`)
    slots: list[str] = []  # the slots it holds (`SlotGuard`); empty if stored before they were

    @property
    def status(self) -> Status:
        return Status(
            younger_id=self.younger.id,
            older_id=self.older.id,
            state=self.state,
            expires_at=self.expires_at,
            accepted_by=frozenset(self.accepted_by),
            sequence=self.sequence,
            reason_code=self.reason_code,
            reason=self.reason,
        )

    def with_status(self, status: Status, *, now: datetime) -> "PairingRecord":
        """This pairing moved to `status` at `now`; the first activation and the close keep
        their time (the program report measures time to accept from them)."""
        update = {
            "state": status.state,
            "accepted_by": sorted(status.accepted_by),
            "sequence": status.sequence,
            "expires_at": status.expires_at,
            "reason_code": status.reason_code,
            "reason": status.reason,
            "updated_at": now,
        }
        if status.state is PairingState.ACTIVE and self.activated_at is None:
            update["activated_at"] = now
        if not status.live and self.closed_at is None:
            update["closed_at"] = now
        return self.model_copy(update=update)


@dataclass(frozen=True)
class Unpublished:
    """Outbox entries of one pairing not yet published, in order, starting at index `start`."""

    pairing_id: str
    start: int
    payloads: list[tuple[bytes, dict[str, str]]]


class PeopleStore(Protocol):
    """The matcher's copy of the profile stream. Writes return the programs the change touches."""

    async def apply(self, snapshot: ProfileSnapshot) -> list[str]: ...
    async def remove(self, person_id: str, *, version: int | None) -> list[str]: ...
    async def many(self, ids: Collection[str]) -> Mapping[str, ProfileSnapshot]: ...
    async def of_program(self, program_id: str) -> list[ProfileSnapshot]: ...


class PairingStore(Protocol):
    """Pairing documents. Every write is one conditional single-document update that stores the
    new state together with the event it emits (the embedded outbox)."""

    async def get(self, pairing_id: str) -> PairingRecord | None: ...
    async def find(
        self,
        *,
        program_id: str | None,
        person_id: str | None,
        state: PairingState | None,
        limit: int,
    ) -> list[PairingRecord]: ...
    async def of_program(self, program_id: str) -> list[PairingRecord]: ...
    async def create(self, record: PairingRecord, event: Envelope) -> bool: ...
    async def create_each(self, new: Sequence[tuple[PairingRecord, Envelope]]) -> list[bool]:
        """Store new pairings, each with its first event, in one batch (a round's proposals):
        per pairing, True when stored now, False when its id exists already (also earlier in
        the same batch). A failure is raised after the others were tried: any may be stored."""
        ...

    async def save(
        self, record: PairingRecord, *, expected_sequence: int, event: Envelope | None
    ) -> bool: ...
    async def unpublished(
        self, program_id: str, ids: Collection[str] | None = None
    ) -> list[Unpublished]: ...
    async def mark_published(self, sent: Mapping[str, Collection[str]]) -> None:
        """Record these entries (event ids, by pairing) published."""
        ...

    async def due_programs(self, *, now: datetime, stuck_before: datetime) -> set[str]: ...
    async def count_by_state(self) -> dict[str, int]: ...
    async def add_flag(self, pairing_id: str, flag: str) -> None:
        """Keep a flag on the pairing (a point update; repeating it changes nothing)."""
        ...


@dataclass(frozen=True)
class Slot:
    id: str
    pairing_id: str
    claimed_at: datetime


@dataclass(frozen=True)
class SlotClaim:
    """One named slot asked for a pairing (a round knows which slot it expects to be free)."""

    slot_id: str
    pairing_id: str
    program_id: str


class Outbox(Protocol):
    """Publishes the pairing events stored with the pairings, in order per pairing."""

    async def flush(self, program_id: str, ids: Collection[str] | None = None) -> int:
        """Publish what is pending for these pairings (all of the program's when `ids` is None);
        returns how many went out. Recording them sent may finish later (`recorded`)."""
        ...

    async def recorded(self) -> None:
        """Wait until what was published is recorded sent."""
        ...


class SlotGuard(Protocol):
    """Per-person pairing slots under a unique id (`person#k`, k < capacity): even two replicas
    that both believe they own a program cannot give a person more live pairings than capacity."""

    async def claim(
        self, person_id: str, capacity: int, *, pairing_id: str, program_id: str, first: int = 0
    ) -> str | None:
        """A free slot of the person now held by `pairing_id` (or one it held already), trying
        slot `first` first; None when all are taken."""
        ...

    async def claim_each(self, claims: Sequence[SlotClaim]) -> list[bool]:
        """Per claim, whether its slot is now held by its pairing: claimed now, or held by it
        already (an earlier try); False when another pairing holds it (also one earlier in the
        same batch). One batch for all; a failure is raised after the others were tried."""
        ...

    async def release(self, pairing_id: str, slot_ids: Collection[str]) -> None:
        """Free these slots, held by `pairing_id` (a slot claimed again meanwhile may be kept)."""
        ...

    async def release_pairing(self, pairing_id: str) -> None:
        """Free every slot `pairing_id` holds, for a pairing that does not name its slots."""
        ...

    async def of_program(self, program_id: str) -> list[Slot]: ...
    async def programs_claimed_between(self, *, since: datetime, until: datetime) -> set[str]:
        """Programs with a slot claimed in [since, until), or (where claims are remembered
        until swept) claimed before `until` and not yet swept."""
        ...

    async def claims_swept(self) -> None:
        """The programs the last `programs_claimed_between` named were made due: their claims
        need not make them due again."""
        ...

    async def claims_kept(self, program_id: str) -> None:
        """A step of the program ended well: each slot it claimed is held by its stored pairing
        or was released, so those claims need not make the program due."""
        ...

    def claims_unsure(self, program_id: str) -> None:
        """A step of the program failed: its claims still make the program due once they are
        old enough, so that the owner frees any it left without a pairing."""
        ...
