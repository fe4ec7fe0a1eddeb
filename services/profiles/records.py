"""The stored shape of one profile: a single MongoDB document holding the person, the version,
what ingress has already been applied, and the embedded outbox of events not yet published.

A deleted profile stays as a tombstone record (no personal fields) until the relay has published
its `ProfileDeleted`; then the document is removed.
"""

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from shared.envelope import Envelope
from shared.profile import ProfileFields, ProfileSnapshot

DELETED_EVENT = "profile.deleted"


class OutboxEntry(BaseModel):
    """One canonical event waiting to be published, exactly as it will go out."""

    model_config = ConfigDict(frozen=True)

    version: int = Field(description="The profile version this event announces.")
    event_id: str
    event_type: str
    payload: str = Field(description="The event as JSON, byte for byte what is published.")
    headers: dict[str, str]

    @classmethod
    def of(cls, event: Envelope, version: int) -> "OutboxEntry":
        return cls(
            version=version,
            event_id=str(event.event_id),
            event_type=event.event_type,
            payload=event.model_dump_json(),
            headers=event.headers(),
        )

    @property
    def needs_tombstone(self) -> bool:
        """A deletion is followed by a null value, so compaction forgets the person."""
        return self.event_type == DELETED_EVENT


class ProfileRecord(BaseModel):
    """Everything stored about one profile id."""

    model_config = ConfigDict(frozen=True)

    id: str
    program_id: str
    fields: ProfileFields | None = Field(description="None once deleted (a tombstone).")
    version: int
    updated_at: datetime
    last_ingress_at: datetime | None = None
    seen_event_ids: list[str] = Field(default_factory=list)
    outbox: list[OutboxEntry] = Field(default_factory=list)

    @property
    def deleted(self) -> bool:
        return self.fields is None

    def snapshot(self) -> ProfileSnapshot:
        if self.fields is None:
            raise ValueError(f"profile {self.id!r} is deleted")
        return ProfileSnapshot(
            **self.fields.model_dump(), id=self.id, version=self.version, updated_at=self.updated_at
        )


def tombstone_email(profile_id: str) -> str:
    """A unique stand-in, so tombstones never collide in the (program_id, email) unique index
    (MongoDB indexes a missing field as null, and two nulls in one program would collide)."""
    return f"deleted:{profile_id}"


def state_of(record: ProfileRecord) -> dict[str, Any]:
    """The document's fields except `_id` and `outbox` (the outbox is only ever appended to)."""
    state: dict[str, Any] = {
        "program_id": record.program_id,
        "version": record.version,
        "updated_at": record.updated_at,
        "last_ingress_at": record.last_ingress_at,
        "seen_event_ids": record.seen_event_ids,
        "deleted": record.deleted,
    }
    if record.fields is None:
        return state | {"email": tombstone_email(record.id)}
    return state | record.fields.model_dump(mode="json")


def to_document(record: ProfileRecord) -> dict[str, Any]:
    outbox = [entry.model_dump() for entry in record.outbox]
    return {"_id": record.id, **state_of(record), "outbox": outbox}


def from_document(document: dict[str, Any]) -> ProfileRecord:
    fields = None if document.get("deleted") else ProfileFields.model_validate(document)
    return ProfileRecord(
        id=document["_id"],
        program_id=document["program_id"],
        fields=fields,
        version=document["version"],
        updated_at=document["updated_at"],
        last_ingress_at=document.get("last_ingress_at"),
        seen_event_ids=document.get("seen_event_ids", []),
        outbox=[OutboxEntry.model_validate(e) for e in document.get("outbox", [])],
    )


PROFILE_FIELD_NAMES: tuple[str, ...] = tuple(ProfileFields.model_fields)
KEPT_IN_TOMBSTONE = frozenset({"program_id", "email"})


def removed_by_deletion() -> dict[str, Any]:
    """An `$unset` of every personal field a tombstone must not keep."""
    return {name: "" for name in PROFILE_FIELD_NAMES if name not in KEPT_IN_TOMBSTONE}
