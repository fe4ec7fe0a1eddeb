"""The matcher's settings, read from `MATCHER_*` variables (shared endpoints, the answer links
and the meeting series have no prefix)."""

from datetime import timedelta
from typing import Any

from pydantic import Field, field_validator
from pydantic_settings import SettingsConfigDict

from services.matcher.core.policy import Policy
from services.matcher.usecases.followup_settings import FollowupSettings
from shared.answer_links import AnswerLinkSettings
from shared.meeting_settings import MeetingSettings
from shared.settings import CommonSettings


class MatcherSettings(CommonSettings, AnswerLinkSettings, MeetingSettings):
    model_config = CommonSettings.model_config | SettingsConfigDict(env_prefix="MATCHER_")

    mongodb_database: str = "matcher"
    http_port: int = 8002
    people_group_id: str = Field(default="matcher-people", description="Reads the profile stream.")
    programs_group_id: str = Field(
        default="matcher-programs", description="Reads the program records."
    )
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
        default_factory=dict,
        description="Per-program defaults on top of `policy`; a program's record overrides them.",
    )

    settle_minutes: int = Field(
        default=3,
        ge=0,
        description="A program without a record is matched continuously: a newcomer waits this "
        "long for others to arrive before being proposed.",
    )
    round_clock_seconds: float = Field(
        default=30.0, gt=0, description="How often scheduled rounds are looked for."
    )
    round_catch_up_hours: float = Field(
        default=24.0, gt=0, description="A scheduled round missed this recently still runs."
    )

    checkin_close_days: float = Field(
        default=14, gt=0, description="A check-in takes answers this long; its nudge is halfway."
    )

    @field_validator("program_policies")
    @classmethod
    def _policies_are_valid(cls, value: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
        for overrides in value.values():
            Policy(**overrides)  # fail at start, not at the first change of that program
        return value

    @property
    def followups(self) -> FollowupSettings:
        """When check-ins close, and the meeting series as the notifier plans it."""
        return FollowupSettings(
            close_after=timedelta(days=self.checkin_close_days),
            meetings=self.meeting_policy(count=1),
        )

    @property
    def proposal_ttl(self) -> timedelta:
        return timedelta(hours=self.proposal_ttl_hours)

    @property
    def outbox_stuck_after(self) -> timedelta:
        return timedelta(seconds=self.outbox_stuck_seconds)

    @property
    def orphan_slot_after(self) -> timedelta:
        return timedelta(seconds=self.orphan_slot_seconds)
