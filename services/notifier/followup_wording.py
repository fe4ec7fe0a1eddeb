"""What the follow-up emails say in one language: the reminder of an unanswered proposal, the
check-in with its one-click answers, and its nudge. Part of a `Wording` (`Wording.followup`);
the languages' texts are in `lang/`."""

from dataclasses import dataclass
from string import Template

from services.notifier.blocks import Blocks
from shared.checkins import Met


@dataclass(frozen=True)
class FollowUpWording:
    reminder_subject: Template
    reminder: Blocks  # the partner card, the first meeting, and the accept and decline buttons
    checkin_subject: Template
    final_subject: Template  # the check-in at the program's end
    nudge_subject: Template
    checkin_intro: Blocks  # before the questions; $closes: until when answers are taken
    final_intro: Blocks
    nudge_intro: Blocks
    met_question: str
    met_labels: dict[Met, str]
    usefulness_question: str
    learned_question: str  # $partner
    learned_other: str  # the button to the form, for what the choices do not name
    rematch: str  # above the button that asks for a new partner
    rematch_label: str
    closing: Blocks
    unsubscribe: str  # above the link that stops reminders and nudges
    unsubscribe_label: str
