"""What the emails say in one language (the languages are in `lang/`), and date formatting.

Each message is a list of paragraph templates (`string.Template`). `emails.py` fills them once with
raw values for the plain-text part and once with HTML-escaped values for the HTML part, so the two
parts cannot drift apart. Dates are formatted here, without the process locale.
"""

from dataclasses import dataclass, field
from datetime import datetime
from string import Template
from zoneinfo import ZoneInfo

EN_DASH = "\u2013"


@dataclass(frozen=True)
class Wording:
    weekdays: tuple[str, ...]
    months: tuple[str, ...]
    date: Template  # $weekday $day $month $year
    time_suffix: str
    proposal_subject: Template
    proposal: tuple[Template, ...]
    meeting: Template
    no_meeting: Template
    cancel_subject: Template
    cancel: tuple[Template, ...]
    ended_subject: Template  # a participant ended an active pairing: it ran its course
    ended: tuple[Template, ...]
    calendar_removed: str
    activated_subject: Template
    activated: tuple[Template, ...]  # both accepted; `$end` is the link to end it
    answer_labels: dict[str, str]  # the answer links' words, by action
    reasons: dict[str, str]
    conjunction: str
    skills: dict[str, str] = field(default_factory=dict)

    def cancellation(self, reason_code: str) -> tuple[Template, tuple[Template, ...]]:
        """Subject and paragraphs: an ended pairing is a completion, thanked for, not a failure."""
        if reason_code == "ended":
            return self.ended_subject, self.ended
        return self.cancel_subject, self.cancel

    def span(self, start: datetime, end: datetime, timezone: str) -> str:
        """A meeting as the recipient reads it: in their own timezone, with the zone named."""
        zone = ZoneInfo(timezone)
        local_start, local_end = start.astimezone(zone), end.astimezone(zone)
        clock = f"{local_start:%H:%M}{EN_DASH}{local_end:%H:%M}{self.time_suffix}"
        return f"{self._date(local_start)}, {clock} ({timezone}, {local_start.tzname()})"

    def moment(self, instant: datetime, timezone: str) -> str:
        local = instant.astimezone(ZoneInfo(timezone))
        return f"{self._date(local)}, {local:%H:%M}{self.time_suffix} ({timezone})"

    def listing(self, items: list[str]) -> str:
        labels = [self.skills.get(item, item.replace("_", " ")) for item in items]
        if len(labels) < 2:
            return "".join(labels) or "-"
        return f"{', '.join(labels[:-1])} {self.conjunction} {labels[-1]}"

    def _date(self, local: datetime) -> str:
        return self.date.substitute(
            weekday=self.weekdays[local.weekday()],
            day=local.day,
            month=self.months[local.month - 1],
            year=local.year,
        )
