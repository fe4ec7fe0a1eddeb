"""The matcher's settings, read from `MATCHER_*` variables (shared endpoints have no prefix)."""

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_settings import SettingsConfigDict

from services.matcher.core.policy import Policy
from services.matcher.core.schedule import Mode, Schedule
from services.matcher.usecases.directory import ProgramSettings
from shared.settings import CommonSettings


class ProgramSchedule(BaseModel):
    """One program's matching schedule as configured (`MATCHER_PROGRAM_SCHEDULES`)."""

    model_config = ConfigDict(extra="forbid")

    mode: Mode = "continuous"
    timezone: str = "UTC"
    rounds_at: list[datetime] = []
    """Local datetimes, without an offset, in `timezone`."""
    rounds_rule: str | None = None
    settle_minutes: float | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _valid(self) -> "ProgramSchedule":
        ZoneInfo(self.timezone)
        if any(at.tzinfo is not None for at in self.rounds_at):
            raise ValueError("rounds_at are local times in the program's timezone: no offset")
        Schedule(self.mode, tuple(self.rounds_at), self.rounds_rule)
        if self.rounds_rule:
            rrulestr(self.rounds_rule, dtstart=min(self.rounds_at))
        return self


class MatcherSettings(CommonSettings):
    model_config = CommonSettings.model_config | SettingsConfigDict(env_prefix="MATCHER_")

    mongodb_database: str = "matcher"
    http_port: int = 8002
    people_group_id: str = Field(default="matcher-people", description="Reads the profile stream.")
    responses_group_id: str = "matcher-responses"
    work_group_id: str = Field(
        default="matcher-work", description="Owns programs: one replica per work partition."
    )
    batch_window_ms: int = Field(
        default=200, ge=0, description="A burst of changes this long becomes one engine step."
    )
    max_batch_records: int = Field(default=5000, ge=1)
    proposal_ttl_hours: float = Field(
        default=7 * 24, gt=0, description="Unanswered proposals expire."
    )
    sweep_interval_seconds: float = Field(
        default=30.0, gt=0, description="How often due work (expiry, stuck outbox) is looked for."
    )
    outbox_stuck_seconds: float = Field(default=30.0, gt=0)
    orphan_slot_seconds: float = Field(
        default=120.0, gt=0, description="A slot claimed this long ago without a pairing is freed."
    )
    lag_interval_seconds: float = Field(default=15.0, gt=0)
    state_count_interval_seconds: float = Field(
        default=300.0,
        gt=0,
        description="How often pairings are counted by state (one aggregation over all of them).",
    )
    policy: dict[str, Any] = Field(
        default_factory=dict, description="Overrides of the default Policy for every program."
    )
    program_policies: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="Per-program overrides on top of `policy`."
    )

    matching_mode: Mode = Field(
        default="continuous",
        description="`rounds` (nobody is proposed until a round runs) or `continuous`.",
    )
    settle_minutes: float = Field(
        default=3.0,
        ge=0,
        description="Continuous mode: how long a newcomer waits for others before being proposed.",
    )
    program_schedules: dict[str, ProgramSchedule] = Field(
        default_factory=dict,
        description="JSON: program id -> {mode, timezone, rounds_at, rounds_rule, settle_minutes}.",
    )
    round_clock_seconds: float = Field(
        default=30.0, gt=0, description="How often scheduled rounds are looked for."
    )
    round_catch_up_hours: float = Field(
        default=24.0, gt=0, description="A scheduled round missed this recently still runs."
    )

    @field_validator("program_policies")
    @classmethod
    def _policies_are_valid(cls, value: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
        for overrides in value.values():
            Policy(**overrides)  # fail at start, not at the first change of that program
        return value

    @property
    def proposal_ttl(self) -> timedelta:
        return timedelta(hours=self.proposal_ttl_hours)

    @property
    def outbox_stuck_after(self) -> timedelta:
        return timedelta(seconds=self.outbox_stuck_seconds)

    @property
    def orphan_slot_after(self) -> timedelta:
        return timedelta(seconds=self.orphan_slot_seconds)

    def policy_for(self, program_id: str) -> Policy:
        """The default policy, with the global then the program's own overrides applied."""
        return Policy(**(self.policy | self.program_policies.get(program_id, {})))

    def program_settings(self, program_id: str) -> ProgramSettings:
        """The program's settings from configuration: its own schedule, else the defaults."""
        own = self.program_schedules.get(program_id) or ProgramSchedule(mode=self.matching_mode)
        settle = own.settle_minutes if own.settle_minutes is not None else self.settle_minutes
        schedule = Schedule(
            mode=own.mode,
            rounds_at=tuple(own.rounds_at),
            rounds_rule=own.rounds_rule,
            settle=timedelta(minutes=settle),
        )
        return ProgramSettings(program_id, own.timezone, schedule, self.policy_for(program_id))
