"""The stored shape of one program: one document with the record, its version, and the embedded
outbox of `program.changed` events not yet published (`OutboxEntry`, as profiles store theirs)."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from services.profiles.records import OutboxEntry
from shared.programs import ProgramFields, ProgramSnapshot


class ProgramRecord(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    fields: ProgramFields
    version: int
    updated_at: datetime
    outbox: list[OutboxEntry] = Field(default_factory=list)

    def snapshot(self) -> ProgramSnapshot:
        return ProgramSnapshot(
            **self.fields.model_dump(), id=self.id, version=self.version, updated_at=self.updated_at
        )


def state_of(record: ProgramRecord) -> dict[str, Any]:
    """The document's fields except `_id` and `outbox` (the outbox is only ever appended to)."""
    return {
        "version": record.version,
        "updated_at": record.updated_at,
        "program": record.fields.model_dump(mode="json"),
    }


def to_document(record: ProgramRecord) -> dict[str, Any]:
    outbox = [entry.model_dump() for entry in record.outbox]
    return {"_id": record.id, **state_of(record), "outbox": outbox}


def from_document(document: dict[str, Any]) -> ProgramRecord:
    return ProgramRecord(
        id=document["_id"],
        fields=ProgramFields.model_validate(document["program"]),
        version=document["version"],
        updated_at=document["updated_at"],
        outbox=[OutboxEntry.model_validate(e) for e in document.get("outbox", [])],
    )
