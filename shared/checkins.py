"""Follow-up after the invite: when a program asks its pairs how it goes, and what they answer.

A program names its check-in points (`CheckinPoint`); the matcher opens each one for every
active pairing when it is due, both people answer through one-click links, and each answer is
published as `checkin.answered` (`CheckinAnswer`), a whole answer each time, with its revision,
so a reader that keeps the latest revision per person and check-in has the current answers and
one that keeps them all has the history.
"""

from typing import Literal, Self

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from shared.profile import Identifier, Text

Met = Literal["yes", "not_yet", "stopped"]
LOW_USEFULNESS = 2  # a rating at or below this is low; two low ratings flag the pairing
FlagCode = Literal["stopped", "low_ratings"]


class CheckinPoint(BaseModel):
    """One moment at which both people of every active pairing get a check-in.

    Exactly one of: `after_meetings` (counted in the pair's meeting series: 2 = once the second
    meeting is over) or `program_fraction` (of the way from `starts_on` to the end of `ends_on`;
    1.0 is the program's end, where live pairings end with a thank-you and this final check-in).
    """

    model_config = ConfigDict(extra="ignore", frozen=True)

    id: Identifier = Field(examples=["after-second-meeting"])
    after_meetings: int | None = Field(default=None, ge=1, le=200)
    program_fraction: float | None = Field(default=None, gt=0, le=1)

    @model_validator(mode="after")
    def _one_anchor(self) -> Self:
        if (self.after_meetings is None) == (self.program_fraction is None):
            raise ValueError(
                "a check-in point sets exactly one of after_meetings, program_fraction"
            )
        return self


DEFAULT_CHECKINS: tuple[CheckinPoint, ...] = (
    CheckinPoint(id="after-second-meeting", after_meetings=2),
    CheckinPoint(id="mid-program", program_fraction=0.5),
    CheckinPoint(id="program-end", program_fraction=1.0),
)


class CheckinAnswer(BaseModel):
    """One person's whole answer to one check-in, as it stands after this revision."""

    model_config = ConfigDict(extra="ignore")

    pairing_id: Identifier
    program_id: Identifier
    checkin_id: Identifier
    person_id: Identifier
    role: Literal["younger", "older"] = Field(description="The answering person's side.")
    met: Met | None = Field(default=None, description="Did you meet? Unset: not answered.")
    learned: list[str] = Field(
        default_factory=list,
        max_length=20,
        description="Skill codes the person says they learned from their partner.",
    )
    learned_text: Text | None = Field(default=None, description="What else they learned.")
    usefulness: int | None = Field(default=None, ge=1, le=5, description="How useful, 1 to 5.")
    answered_at: AwareDatetime
    revision: int = Field(ge=1, description="1 for the first answer; +1 for every change.")
