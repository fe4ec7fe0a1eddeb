"""The HTTP API's models. The profile rungs come from the shared contract, so the API, ingress and
the canonical stream can never drift apart."""

import json
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from services.profiles.records import ProfileRecord
from shared.profile import ProfileFields, ProfilePatch, ProfileSnapshot
from shared.vocabulary import Skill

# The body of a create (POST) and a replace (PUT): the whole profile.
ProfileCreate = ProfileFields
# The body of a partial update (PATCH): only the fields that change.
ProfileUpdate = ProfilePatch
# A stored profile as every read returns it: the fields, the id, the version and when it changed.
ProfilePublic = ProfileSnapshot


class ProfileFilters(BaseModel):
    """The query of a listing. Unknown parameters are refused: a misspelt filter must not
    silently return everyone."""

    model_config = ConfigDict(extra="forbid")

    program_id: str | None = Field(default=None, max_length=64)
    skill_offered: Skill | None = None
    skill_wanted: Skill | None = None
    opted_in: bool | None = None
    cursor: str | None = Field(default=None, max_length=200, description="From `next_cursor`.")
    limit: int = Field(default=20, ge=1, le=100)


class ProfilePage(BaseModel):
    """One page of a listing; pass `next_cursor` as `cursor` to get the next one."""

    items: list[ProfilePublic]
    next_cursor: str | None = Field(description="Absent on the last page.")


class PendingEvent(BaseModel):
    """A canonical event stored with the profile and not yet published."""

    version: int
    event_id: str
    event_type: str
    event: dict[str, Any]


class ProfileExport(BaseModel):
    """Everything stored about one person (a data-subject access request)."""

    profile: ProfilePublic
    last_ingress_at: datetime | None = Field(description="When the last applied ingress occurred.")
    seen_event_ids: list[str] = Field(description="Recently applied ingress request ids.")
    pending_events: list[PendingEvent]

    @classmethod
    def of(cls, record: ProfileRecord) -> "ProfileExport":
        return cls(
            profile=record.snapshot(),
            last_ingress_at=record.last_ingress_at,
            seen_event_ids=record.seen_event_ids,
            pending_events=[
                PendingEvent(
                    version=e.version,
                    event_id=e.event_id,
                    event_type=e.event_type,
                    event=json.loads(e.payload),
                )
                for e in record.outbox
            ],
        )


class Problem(BaseModel):
    """Why a request failed."""

    detail: str
