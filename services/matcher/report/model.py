"""The program report as the API returns it (`GET /programs/{id}/report`).

Without `personal`, it holds counts only: no name, email or id of a person or pairing (a
pairing's id is a hash of its people's). With it (an admin key that asks), the unpaired and the
flagged are listed by name and email.
"""

from datetime import date

from pydantic import AwareDatetime, BaseModel, Field


class Bar(BaseModel):
    """One bar of a chart: a label and how many."""

    label: str
    count: int


class Enrolment(BaseModel):
    people: int = Field(description="People in the program's read model.")
    opted_in: int = Field(description="Of them, open to matching.")
    by_decade: list[Bar] = Field(description="By birth decade ('1960s'), oldest first.")


class Pairs(BaseModel):
    """Every pairing ever proposed in the program, and where each stands now."""

    proposed: int = Field(description="Every pairing proposed, whatever became of it.")
    accepted: int = Field(description="Accepted by both (became active at some point).")
    awaiting: int = Field(description="Still waiting for one or both answers.")
    active: int
    declined: int
    expired: int
    ended: int = Field(description="Ended by one of its people.")
    cancelled: int = Field(description="Cancelled: a rule broke, a person left, re-match, end.")
    closed_by_reason: list[Bar] = Field(description="Every closed pairing by its reason code.")


class TimeToAccept(BaseModel):
    """From the proposal to the second acceptance, of the pairings that became active."""

    pairs: int
    median_hours: float | None
    p90_hours: float | None = Field(description="Nearest rank: 90% took at most this long.")
    histogram: list[Bar]


class SkillsOneWay(BaseModel):
    """Skills taught in one direction, most often first (ties by skill)."""

    from_proposals: list[Bar] = Field(
        description="Planned: the explanations of pairings live or accepted by both."
    )
    from_checkins: list[Bar] = Field(description="Reported: check-in answers' `learned`.")


class Skills(BaseModel):
    younger_to_older: SkillsOneWay
    older_to_younger: SkillsOneWay


class CheckinFigures(BaseModel):
    """One check-in point: who answered, who met, how useful it was."""

    checkin_id: str
    answers: int = Field(description="People who answered (their latest revision counts).")
    met_yes: int
    met_not_yet: int
    met_stopped: int
    pairs_met: int = Field(description="Pairings where at least one person answered met=yes.")
    usefulness_answers: int
    usefulness_mean: float | None


class WeekScore(BaseModel):
    week: date = Field(description="The Monday of the ISO week the answers were given in.")
    answers: int
    usefulness_mean: float


class PersonRef(BaseModel):
    """Personal data: only in a report asked for with `personal=true` by an admin key."""

    person_id: str
    name: str
    email: str


class FlaggedPairing(BaseModel):
    pairing_id: str
    flags: list[str]
    younger: PersonRef
    older: PersonRef


class Flagged(BaseModel):
    pairings: int = Field(description="Pairings flagged for the lead.")
    by_flag: list[Bar]
    listed: list[FlaggedPairing] | None = Field(default=None, description="Personal only.")


class UnpairedPerson(PersonRef):
    reason: str


class Unpaired(BaseModel):
    """Opted-in people without a live pairing now, and why (as a round's preview says)."""

    people: int
    by_reason: list[Bar]
    listed: list[UnpairedPerson] | None = Field(default=None, description="Personal only.")


class ProgramReport(BaseModel):
    """Per program: enrolment, pairings, time to accept, generation gaps, skills exchanged both
    ways, check-ins (meetings held, usefulness over time), flags, and the unpaired."""

    program_id: str
    program_name: str | None
    generated_at: AwareDatetime
    personal: bool = Field(description="Whether names and emails are included.")
    enrolment: Enrolment
    pairs: Pairs
    time_to_accept: TimeToAccept
    gap_of_live_pairs: list[Bar] = Field(description="Birth-year gap of live pairings, by years.")
    skills: Skills
    checkins: list[CheckinFigures] = Field(description="In the program's order of points.")
    usefulness_by_week: list[WeekScore]
    flagged: Flagged
    unpaired: Unpaired
