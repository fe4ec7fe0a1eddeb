"""What the pairing routes show: the whole pairing to `admin` keys, a view without contact data to
every other key.

Names, emails, timezones and availability, the explanation's sentence (it names both people) and
a person's free-text reason are contact or personal data; a dashboard or a portal needs the
state, the ids and the scores, not those. Each view lists its fields, so a field added to the
stored record shows nowhere until it is chosen here. `view` tells the two apart.
"""

from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, Field

from services.matcher.core.lifecycle import PairingState
from services.matcher.usecases.ports import PairingRecord
from shared.auth import Scope, permits
from shared.events import CancelReason, Explanation, Participant


class PersonRef(BaseModel):
    """One of the two people, by id only."""

    id: str


class _Pairing(BaseModel):
    id: str
    program_id: str
    state: PairingState
    accepted_by: list[str]
    sequence: int = Field(description="Counts the pairing's state changes.")
    proposed_at: AwareDatetime
    expires_at: AwareDatetime
    updated_at: AwareDatetime
    reason_code: CancelReason | None
    flags: list[str] = Field(
        default_factory=list,
        description="What its check-ins flagged for the program lead: `stopped`, `low_ratings`.",
    )


class PairingPublic(_Pairing):
    """A pairing with both people's contact data and the reason as given (an `admin` key)."""

    view: Literal["full"] = "full"
    younger: Participant
    older: Participant
    explanation: Explanation
    reason: str | None


class Grounds(BaseModel):
    """The explanation without its sentence, which names both people."""

    younger_teaches: list[str]
    older_teaches: list[str]
    shared_languages: list[str]
    common_hours_per_week: float
    birth_year_gap: int
    score: float
    contributions: dict[str, float]


class PairingRedacted(_Pairing):
    """A pairing without contact data (every key but `admin`)."""

    view: Literal["redacted"] = "redacted"
    younger: PersonRef
    older: PersonRef
    explanation: Grounds


PairingView = Annotated[PairingPublic | PairingRedacted, Field(discriminator="view")]


def view_of(record: PairingRecord, scopes: frozenset[Scope]) -> PairingPublic | PairingRedacted:
    """The view the caller's scopes allow."""
    shown = PairingPublic if permits(scopes, Scope.ADMIN) else PairingRedacted
    return shown.model_validate(record.model_dump())
