"""Commands: what another service asks the system to do. Named as imperatives."""

from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.envelope import Envelope
from shared.profile import Identifier, ProfileFields, ProfilePatch, Text


class ProfileChangeRequest(BaseModel):
    """One requested change. `upsert` carries `profile`, `patch` carries `patch`, `delete` neither."""

    model_config = ConfigDict(extra="ignore")

    op: Literal["upsert", "patch", "delete"]
    profile_id: Identifier
    profile: ProfileFields | None = None
    patch: ProfilePatch | None = None
    expected_version: int | None = Field(
        default=None, ge=0, description="Apply only if the stored version equals this (0: absent)."
    )

    @model_validator(mode="after")
    def _body_matches_op(self) -> Self:
        if self.op == "upsert" and self.profile is None:
            raise ValueError("op 'upsert' needs 'profile'")
        if self.op == "patch" and self.patch is None:
            raise ValueError("op 'patch' needs 'patch'")
        return self


class UpdateProfile(Envelope):
    """Ingress: another internal service asks to create, change or delete a profile.

    Requests whose `occurred_at` is older than the last applied request for that profile are
    ignored as stale; a repeated `event_id` is ignored as a duplicate.
    """

    event_type: Literal["profile.update"] = "profile.update"
    schema_version: Literal[1] = 1
    data: ProfileChangeRequest


Decision = Literal["accept", "decline", "end", "rematch"]


class PairingAnswer(BaseModel):
    """One person's answer about a pairing they are part of."""

    model_config = ConfigDict(extra="ignore")

    pairing_id: Identifier
    person_id: Identifier
    decision: Decision = Field(
        description=(
            "`accept` or `decline` a pairing still awaiting answers (proposed or accepted by the "
            "other side); `end` an active pairing that has run its course; `rematch` ends an "
            "active pairing and asks for a new partner in the next round (the same two are not "
            "paired again). A decision that does not fit the pairing's current state changes "
            "nothing."
        ),
        examples=["accept", "end"],
    )
    reason: Text | None = None


class RespondToPairing(Envelope):
    """A person accepts or declines a proposed pairing, or ends an active one.

    Every change of a pairing this causes is published on the pairing events topic: both
    acceptances give `pairing.activated`; a decline, or ending an active pairing, gives
    `pairing.cancelled` with `reason_code` `declined` or `ended`.
    """

    event_type: Literal["pairing.respond"] = "pairing.respond"
    schema_version: Literal[1] = 1
    data: PairingAnswer
