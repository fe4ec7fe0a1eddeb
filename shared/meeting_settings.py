"""The meeting series' settings, one set for the two services that count the series: the notifier
plans the invite with them, the matcher its check-ins after the N-th meeting (`shared.meetings`).

Read without a service prefix (`MEETING_INTERVAL_WEEKS`, ...), as `shared.answer_links` reads the
link keys, so the two services can not count two different series. The notifier's earlier names
(`NOTIFIER_MEETING_*`) are still read, after the unprefixed ones. A program's record overrides the
length and the interval.
"""

from datetime import timedelta

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings

from shared.availability import MEETING_MINUTES, MEETING_NOTICE_HOURS
from shared.meetings import DEFAULT_HORIZON_DAYS, DEFAULT_INTERVAL_WEEKS, MeetingPolicy


def _named(name: str) -> AliasChoices:
    return AliasChoices(name, f"NOTIFIER_{name}")


class MeetingSettings(BaseSettings):
    """The deployment's meeting series, for programs whose record does not set it."""

    meeting_minutes: int = Field(
        default=MEETING_MINUTES,
        ge=15,
        le=480,
        validation_alias=_named("MEETING_MINUTES"),
        description="Length of each meeting; at most the matcher's policy's.",
    )
    meeting_horizon_days: int = Field(
        default=DEFAULT_HORIZON_DAYS,
        ge=1,
        le=365,
        validation_alias=_named("MEETING_HORIZON_DAYS"),
        description="How far ahead of the proposal the first meeting is looked for; covers the "
        "week the matcher compares (15 days).",
    )
    meeting_notice_hours: float = Field(
        default=MEETING_NOTICE_HOURS,
        ge=0,
        validation_alias=_named("MEETING_NOTICE_HOURS"),
        description="The first meeting is at least this long after the proposal.",
    )
    meeting_interval_weeks: int = Field(
        default=DEFAULT_INTERVAL_WEEKS,
        ge=1,
        le=12,
        validation_alias=_named("MEETING_INTERVAL_WEEKS"),
        description="Weeks between meetings (the invite's RRULE INTERVAL).",
    )

    def meeting_policy(self, *, count: int) -> MeetingPolicy:
        """The series of `count` meetings these settings describe."""
        return MeetingPolicy(
            length=timedelta(minutes=self.meeting_minutes),
            horizon=timedelta(days=self.meeting_horizon_days),
            notice=timedelta(hours=self.meeting_notice_hours),
            interval_weeks=self.meeting_interval_weeks,
            count=count,
        )
