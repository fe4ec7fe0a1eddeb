"""What the follow-ups take from the deployment and from a program's record: how long a check-in
takes answers, and the meeting series as the notifier plans the invite (a record may set the
interval and the length)."""

from dataclasses import dataclass
from datetime import timedelta

from services.matcher.core.followups import Calendar
from services.matcher.core.program_settings import ProgramSettings
from shared.availability import MEETING_MINUTES, MEETING_NOTICE_HOURS
from shared.meetings import DEFAULT_HORIZON_DAYS, DEFAULT_INTERVAL_WEEKS, MeetingPolicy


@dataclass(frozen=True)
class FollowupSettings:
    close_after: timedelta = timedelta(days=14)
    interval_weeks: int = DEFAULT_INTERVAL_WEEKS
    horizon: timedelta = timedelta(days=DEFAULT_HORIZON_DAYS)
    notice: timedelta = timedelta(hours=MEETING_NOTICE_HOURS)

    def calendar(self, settings: ProgramSettings) -> Calendar | None:
        """The program's follow-up calendar; None without a record (no dates: only reminders)."""
        record = settings.record
        if record is None:
            return None
        meetings = MeetingPolicy(
            length=timedelta(minutes=record.meeting_minutes or MEETING_MINUTES),
            horizon=self.horizon,
            notice=self.notice,
            interval_weeks=record.meeting_interval_weeks or self.interval_weeks,
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
