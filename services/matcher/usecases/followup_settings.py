"""What the follow-ups take from the deployment and from a program's record: how long a check-in
takes answers, and the meeting series as the notifier plans the invite (the deployment's
`shared.meeting_settings`; a record may set the interval and the length)."""

from dataclasses import dataclass, field, replace
from datetime import timedelta

from services.matcher.core.followups import Calendar
from services.matcher.core.program_settings import ProgramSettings
from shared.meeting_settings import MeetingSettings
from shared.meetings import MeetingPolicy


def _default_meetings() -> MeetingPolicy:
    return MeetingSettings.model_construct().meeting_policy(count=1)


@dataclass(frozen=True)
class FollowupSettings:
    close_after: timedelta = timedelta(days=14)
    meetings: MeetingPolicy = field(default_factory=_default_meetings)

    def calendar(self, settings: ProgramSettings) -> Calendar | None:
        """The program's follow-up calendar; None without a record (no dates: only reminders)."""
        record = settings.record
        if record is None:
            return None
        length = timedelta(minutes=record.meeting_minutes) if record.meeting_minutes else None
        meetings = replace(
            self.meetings,
            length=length or self.meetings.length,
            interval_weeks=record.meeting_interval_weeks or self.meetings.interval_weeks,
            count=1,
        )
        return Calendar(
            record.timezone,
            record.starts_on,
            record.ends_on,
            tuple(record.checkins),
            meetings,
            self.close_after,
        )
