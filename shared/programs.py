"""A reverse-mentoring program: its settings, as the profiles service owns and publishes them.

The model ladder:
- `PolicyOverrides`: matcher knobs a program sets; the rest come from the deployment's defaults.
- `RoundsSchedule` / `ContinuousSchedule`: how a program is matched (`Schedule`, on `mode`).
- `ProgramFields`: what an operator sends to create or replace a program.
- `ProgramPatch`: any subset of those fields.
- `Program`: the fields plus the stable id (the `program_id` profiles carry).
- `ProgramSnapshot`: a stored program with its version, as `programs.changes.v1` carries it.

Dates are calendar days in the program's timezone; `ends_on` is the last day of the program.
"""

from datetime import date, datetime, time
from typing import Annotated, Literal, Self

from pydantic import AwareDatetime, BaseModel, ConfigDict, EmailStr, Field, model_validator

from shared.checkins import DEFAULT_CHECKINS, CheckinPoint
from shared.profile import Identifier, Text, Timezone
from shared.schedule import RRule, next_round, round_times_within

DEFAULT_SETTLE_MINUTES = 5


class PolicyOverrides(BaseModel):
    """Optional matcher knobs; each names a field of the matcher's `Policy` (unset = default)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    min_common_hours: float | None = Field(default=None, ge=0)
    meeting_minutes: int | None = Field(default=None, ge=1, le=480)
    min_birth_year_gap: int | None = Field(default=None, ge=0)
    weight_complementarity: float | None = Field(default=None, ge=0)
    weight_overlap: float | None = Field(default=None, ge=0)
    weight_gap: float | None = Field(default=None, ge=0)
    full_overlap_hours: float | None = Field(default=None, gt=0)
    full_gap_years: int | None = Field(default=None, gt=0)
    require_two_way: bool | None = None
    max_candidates: int | None = Field(default=None, ge=1)
    resolve_loss_threshold: float | None = Field(default=None, ge=0, lt=1)

    @model_validator(mode="after")
    def _weights_not_all_zero(self) -> Self:
        weights = (self.weight_complementarity, self.weight_overlap, self.weight_gap)
        if None not in weights and sum(w or 0.0 for w in weights) <= 0:
            raise ValueError("the three weights must not all be zero")
        return self

    def set_knobs(self) -> dict[str, object]:
        """Only the knobs this program sets, to lay over the defaults."""
        return self.model_dump(exclude_none=True)


class RoundsSchedule(BaseModel):
    """Nobody is proposed until a round runs: at these local times, by the rule, or on command."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    mode: Literal["rounds"] = "rounds"
    rounds_at: list[datetime] = Field(
        default_factory=list,
        description="Local date-times (no offset) in the program's timezone.",
        examples=[["2027-02-01T09:00:00"]],
    )
    rounds_rule: RRule | None = Field(
        default=None,
        description="An RFC 5545 RRULE, counted from the enrolment opening (else the start).",
        examples=["FREQ=WEEKLY;BYDAY=MO;BYHOUR=9"],
    )

    @model_validator(mode="after")
    def _local_and_sorted(self) -> Self:
        if any(moment.tzinfo is not None for moment in self.rounds_at):
            raise ValueError("rounds_at are local times in the program's timezone, without offset")
        object.__setattr__(self, "rounds_at", sorted(set(self.rounds_at)))
        return self


class ContinuousSchedule(BaseModel):
    """A newcomer waits up to the settle window for others to arrive, then is proposed."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    mode: Literal["continuous"] = "continuous"
    settle_minutes: int = Field(default=DEFAULT_SETTLE_MINUTES, ge=0, le=7 * 24 * 60)


Schedule = Annotated[RoundsSchedule | ContinuousSchedule, Field(discriminator="mode")]


class ProgramFields(BaseModel):
    """What a program is: the body of a create or a replace."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    name: Text
    timezone: Timezone
    enrolment_opens: date | None = Field(default=None, description="Unset: open since ever.")
    enrolment_closes: date | None = Field(default=None, description="Unset: never closes.")
    schedule: Schedule
    policy: PolicyOverrides = Field(default_factory=PolicyOverrides)
    meeting_interval_weeks: int | None = Field(
        default=None, ge=1, le=12, description="Weeks between meetings; unset: the default."
    )
    meeting_minutes: int | None = Field(
        default=None, ge=15, le=480, description="Length of a meeting; unset: the default."
    )
    starts_on: date
    ends_on: date = Field(description="The last day; the meeting series ends with it.")
    sender: EmailStr = Field(description="From address of the emails and calendar ORGANIZER.")
    alarm_minutes_before: int | None = Field(
        default=None,
        ge=0,
        le=7 * 24 * 60,
        description="The invite's VALARM: minutes before each meeting; unset: the default.",
    )
    checkins: list[CheckinPoint] = Field(
        default_factory=lambda: list(DEFAULT_CHECKINS),
        max_length=20,
        description="When both people of an active pairing are asked how it goes.",
    )

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        object.__setattr__(self, "sender", self.sender.lower())
        if reasons := _inconsistencies(self):
            raise ValueError("; ".join(reasons))
        return self

    def round_anchor(self) -> datetime:
        """Local midnight the rounds rule counts from."""
        return datetime.combine(self.enrolment_opens or self.starts_on, time())

    def next_round_after(self, after: datetime) -> datetime | None:
        """The first scheduled round strictly after the aware instant `after` (UTC), if any.

        None in `continuous` mode, and once no scheduled round is left before the end.
        """
        if not isinstance(self.schedule, RoundsSchedule):
            return None
        return next_round(
            self.schedule.rounds_at,
            self.schedule.rounds_rule,
            timezone=self.timezone,
            anchor=self.round_anchor(),
            last_day=self.ends_on,
            after=after,
        )


def _inconsistencies(program: ProgramFields) -> list[str]:
    reasons = []
    opens, closes = program.enrolment_opens, program.enrolment_closes
    if opens and closes and closes < opens:
        reasons.append("enrolment_closes must not be before enrolment_opens")
    if program.ends_on <= program.starts_on:
        reasons.append("ends_on must be after starts_on")
    if opens and opens > program.ends_on:
        reasons.append("enrolment_opens must not be after ends_on")
    ids = [point.id for point in program.checkins]
    if len(set(ids)) < len(ids):
        reasons.append("checkins must have distinct ids")
    knob = program.policy.meeting_minutes
    if knob is not None and program.meeting_minutes is not None and knob < program.meeting_minutes:
        reasons.append("policy.meeting_minutes must be at least meeting_minutes, so it fits")
    if isinstance(program.schedule, RoundsSchedule):
        reasons.extend(_rounds_outside(program, program.schedule))
    return reasons


def _rounds_outside(program: ProgramFields, schedule: RoundsSchedule) -> list[str]:
    first = program.enrolment_opens
    outside = [
        at
        for at in schedule.rounds_at
        if at.date() > program.ends_on or (first and at.date() < first)
    ]
    reasons = [f"round at {at.isoformat()} is outside the program" for at in outside]
    if schedule.rounds_rule and not round_times_within(
        schedule.rounds_rule, anchor=program.round_anchor(), last_day=program.ends_on
    ):
        reasons.append("rounds_rule has no occurrence before ends_on")
    return reasons


class ProgramPatch(BaseModel):
    """Any subset of the program fields; a `schedule` or `policy` given replaces the whole object."""

    model_config = ConfigDict(extra="ignore")

    name: Text | None = None
    timezone: Timezone | None = None
    enrolment_opens: date | None = None
    enrolment_closes: date | None = None
    schedule: Schedule | None = None
    policy: PolicyOverrides | None = None
    meeting_interval_weeks: int | None = Field(default=None, ge=1, le=12)
    meeting_minutes: int | None = Field(default=None, ge=15, le=480)
    starts_on: date | None = None
    ends_on: date | None = None
    sender: EmailStr | None = None
    alarm_minutes_before: int | None = Field(default=None, ge=0, le=7 * 24 * 60)
    checkins: list[CheckinPoint] | None = Field(default=None, max_length=20)

    def apply_to(self, current: ProgramFields) -> ProgramFields:
        """The fields after this patch, validated as a whole; an explicit null clears an option."""
        merged = current.model_dump() | self.model_dump(exclude_unset=True)
        return ProgramFields.model_validate(merged)


class Program(ProgramFields):
    """A program with its stable id."""

    id: Identifier


class ProgramSnapshot(Program):
    """A stored program as the canonical stream carries it."""

    version: int = Field(ge=1, description="Increases by one with every change of this program.")
    updated_at: AwareDatetime
