"""What the emails say in one language (the languages are in `lang/`), and date formatting.

Each message is a tuple of blocks (`blocks.py`) of `string.Template`s. `emails.py` fills them once
with raw values for the plain-text part and once with HTML-escaped values for the HTML part, so the
two parts cannot drift apart. Dates are formatted here, without the process locale. Language names
come from Babel's CLDR data in the reader's language ("Englisch"); vocabulary skills from the shared
vocabulary's labels in that language (`shared.vocabulary`), with free-text extras shown as written.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from string import Template
from zoneinfo import ZoneInfo

from babel import Locale

from services.notifier.blocks import Blocks
from services.notifier.followup_wording import FollowUpWording
from shared.vocabulary import Skill, labels_in, skill_name

EN_DASH = "\u2013"


@dataclass(frozen=True)
class Wording:
    locale: str  # the language's code, for Babel ("de")
    weekdays: tuple[str, ...]
    months: tuple[str, ...]
    date: Template  # $weekday $day $month $year
    time_suffix: str
    proposal_subject: Template
    proposal: Blocks
    meeting: Template  # the series, below the first meeting's time
    not_scheduled: str  # the first meeting's time when there is no common time
    no_meeting: Template
    cancel_subject: Template
    cancel: Blocks
    ended_subject: Template  # a participant ended an active pairing: it ran its course
    ended: Blocks
    calendar_removed: str
    activated_subject: Template
    activated: Blocks  # both accepted, with the button to end it
    answer_labels: dict[str, str]  # the answer links' words, by action
    reasons: dict[str, str]
    conjunction: str
    footer: Template  # below every email: why the reader gets it
    followup: FollowUpWording  # the reminder, the check-in and its nudge

    @property
    def skills(self) -> Mapping[Skill, str]:
        """The vocabulary's own labels in this language (empty for English: its labels are the
        vocabulary's)."""
        return labels_in(self.locale)

    def cancellation(self, reason_code: str) -> tuple[Template, Blocks]:
        """Subject and paragraphs: a pairing that ran its course or ended with the program is a
        completion, thanked for, not a failure."""
        if reason_code in ("ended", "program_ended"):
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

    def skill(self, text: str) -> str:
        """A vocabulary skill in this language; anything else (an extra) as written."""
        return skill_name(text, self.locale)

    def language(self, code: str) -> str:
        """A language's name in this language ("Englisch"); the code where CLDR has no name."""
        name: str | None = Locale.parse(self.locale).languages.get(code)
        return name or code.upper()

    def skill_list(self, items: list[str]) -> str:
        return self.listing([self.skill(item) for item in items])

    def language_list(self, codes: list[str]) -> str:
        return self.listing([self.language(code) for code in codes])

    def listing(self, labels: list[str]) -> str:
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
