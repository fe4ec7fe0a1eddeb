"""Events: facts that happened, named in the past tense.

A topic that carries several event types is parsed with the matching `*Event` union, which picks
the model by `event_type`.
"""

from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from shared.checkins import CheckinAnswer, FlagCode
from shared.envelope import Envelope
from shared.profile import Availability, Identifier, Language, ProfileSnapshot, Text, Timezone
from shared.programs import ProgramSnapshot


class ProfileChanged(Envelope):
    """A profile was created or changed; carries the whole new state (compacted topic)."""

    event_type: Literal["profile.changed"] = "profile.changed"
    schema_version: Literal[1] = 1
    data: ProfileSnapshot


class DeletedProfile(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: Identifier
    program_id: Identifier
    version: int = Field(ge=1, description="The version the deletion produced.")


class ProfileDeleted(Envelope):
    """A profile was deleted. A tombstone (null value) with the same key follows it."""

    event_type: Literal["profile.deleted"] = "profile.deleted"
    schema_version: Literal[1] = 1
    data: DeletedProfile


ProfileEvent = Annotated[ProfileChanged | ProfileDeleted, Field(discriminator="event_type")]


class Participant(BaseModel):
    """What the people of a pairing need to know about each other, and to be invited."""

    model_config = ConfigDict(extra="ignore")

    id: Identifier
    name: Text
    email: str = Field(description="Validated at the profile's source.")
    birth_year: int
    languages: list[Language]
    timezone: Timezone
    availability: Availability


class Explanation(BaseModel):
    """Why the pair was made, in terms a person can check."""

    model_config = ConfigDict(extra="ignore")

    younger_teaches: list[str] = Field(description="What the younger person will teach the older.")
    older_teaches: list[str] = Field(description="What the older person will teach the younger.")
    shared_languages: list[Language]
    common_hours_per_week: float = Field(ge=0)
    birth_year_gap: int = Field(ge=0)
    score: float
    contributions: dict[str, float] = Field(description="Each scoring term's share of the score.")
    summary: str = Field(description="One readable sentence.")


class PairingBody(BaseModel):
    model_config = ConfigDict(extra="ignore")

    pairing_id: Identifier
    program_id: Identifier
    sequence: int = Field(
        ge=0, description="Increases with every state change (iCalendar SEQUENCE)."
    )


class ProposedPairing(PairingBody):
    younger: Participant
    older: Participant
    explanation: Explanation
    expires_at: AwareDatetime


class PairingProposed(Envelope):
    """Two people were proposed as a pair."""

    event_type: Literal["pairing.proposed"] = "pairing.proposed"
    schema_version: Literal[1] = 1
    data: ProposedPairing


CancelReason = Literal[
    "declined",
    "expired",
    "constraint_broken",
    "profile_deleted",
    "ended",
    "rematch_requested",
    "program_ended",
]


class CancelledPairing(PairingBody):
    younger: Participant
    older: Participant
    reason_code: CancelReason
    reason: str = Field(description="Readable reason, for the people and for operators.")


class PairingCancelled(Envelope):
    """A proposed or active pairing was cancelled; both people are free again."""

    event_type: Literal["pairing.cancelled"] = "pairing.cancelled"
    schema_version: Literal[1] = 1
    data: CancelledPairing


class ActivatedPairing(PairingBody):
    """The people are absent only from events published before they were added."""

    younger: Participant | None = None
    older: Participant | None = None


class PairingActivated(Envelope):
    """Both people accepted; the pairing is active."""

    event_type: Literal["pairing.activated"] = "pairing.activated"
    schema_version: Literal[1] = 1
    data: ActivatedPairing


class RemindedPairing(PairingBody):
    younger: Participant
    older: Participant
    explanation: Explanation
    expires_at: AwareDatetime
    waiting_on: list[Identifier] = Field(
        min_length=1, max_length=2, description="Who has not answered yet: one email each."
    )


class PairingReminded(Envelope):
    """A pairing still awaits answers halfway to its expiry; one reminder per person waited on."""

    event_type: Literal["pairing.reminded"] = "pairing.reminded"
    schema_version: Literal[1] = 1
    data: RemindedPairing


class OpenedCheckin(PairingBody):
    checkin_id: Identifier
    younger: Participant
    older: Participant
    younger_teaches: list[str] = Field(description="Skill codes: the older person's choices.")
    older_teaches: list[str] = Field(description="Skill codes: the younger person's choices.")
    final: bool = Field(description="The program's end: the pairing ended with it.")
    closes_at: AwareDatetime = Field(description="Answers are taken until then.")


class CheckinOpened(Envelope):
    """A check-in point was reached for an active pairing: both people are asked how it goes."""

    event_type: Literal["checkin.opened"] = "checkin.opened"
    schema_version: Literal[1] = 1
    data: OpenedCheckin


class NudgedCheckin(OpenedCheckin):
    waiting_on: list[Identifier] = Field(
        min_length=1, max_length=2, description="Who has not answered yet: one nudge each."
    )


class CheckinNudged(Envelope):
    """A check-in is still unanswered by some of its people; each gets one nudge, once."""

    event_type: Literal["checkin.nudged"] = "checkin.nudged"
    schema_version: Literal[1] = 1
    data: NudgedCheckin


class AnsweredCheckin(CheckinAnswer):
    sequence: int = Field(ge=0, description="The pairing's sequence when it was answered.")


class CheckinAnswered(Envelope):
    """A person answered a check-in, or changed their answer (a higher revision)."""

    event_type: Literal["checkin.answered"] = "checkin.answered"
    schema_version: Literal[1] = 1
    data: AnsweredCheckin


class FlaggedPairing(PairingBody):
    flag: FlagCode = Field(description="`stopped`: someone said so; `low_ratings`: two of them.")
    checkin_id: Identifier
    reason: str = Field(description="Readable, for the program lead.")


class PairingFlagged(Envelope):
    """A pairing needs the program lead's attention (from its check-in answers)."""

    event_type: Literal["pairing.flagged"] = "pairing.flagged"
    schema_version: Literal[1] = 1
    data: FlaggedPairing


PairingEvent = Annotated[
    PairingProposed
    | PairingCancelled
    | PairingActivated
    | PairingReminded
    | CheckinOpened
    | CheckinNudged
    | CheckinAnswered
    | PairingFlagged,
    Field(discriminator="event_type"),
]


class Notification(BaseModel):
    model_config = ConfigDict(extra="ignore")

    pairing_id: Identifier
    state: str = Field(description="The pairing state the notification was about.")
    recipient_id: Identifier
    detail: str | None = None


class NotificationSent(Envelope):
    """An email was accepted by the mail server."""

    event_type: Literal["notification.sent"] = "notification.sent"
    schema_version: Literal[1] = 1
    data: Notification


class NotificationFailed(Envelope):
    """An email could not be delivered and will not be retried."""

    event_type: Literal["notification.failed"] = "notification.failed"
    schema_version: Literal[1] = 1
    data: Notification


NotificationEvent = Annotated[
    NotificationSent | NotificationFailed, Field(discriminator="event_type")
]


class ProgramChanged(Envelope):
    """A program was created or changed; carries the whole new record (compacted topic)."""

    event_type: Literal["program.changed"] = "program.changed"
    schema_version: Literal[1] = 1
    data: ProgramSnapshot
