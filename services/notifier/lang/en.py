"""English, the fallback for every language without its own template."""

from string import Template

from services.notifier.blocks import Actions, card, panel, para
from services.notifier.lang.en_followup import ENGLISH_FOLLOWUP
from services.notifier.wording import Wording

ENGLISH = Wording(
    locale="en",
    weekdays=("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    months=(
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
    date=Template("$weekday, $day $month $year"),
    time_suffix="",
    proposal_subject=Template("Meet $partner, your reverse-mentoring partner"),
    proposal=(
        para("Hello $name,"),
        para("we are glad to introduce your reverse-mentoring partner: $partner."),
        card(
            "Your partner",
            "$partner",
            ("You will teach $partner: $you_teach.", "$partner will teach you: $partner_teaches."),
            ("Languages you share: $languages.", "How to reach $partner: $partner_email"),
        ),
        panel("Your first meeting", "$when", "$meeting"),
        para("Please accept or decline the pairing by $expires."),
        Actions(("accept", "decline")),
        para("Best regards,\n$program"),
    ),
    meeting=Template(
        "It repeats every $interval weeks, $count meetings in all. The calendar invitation is "
        "attached."
    ),
    not_scheduled="not set yet",
    no_meeting=Template(
        "We found no common free time in the next $days days. "
        "Please agree on a first meeting with $partner directly."
    ),
    cancel_subject=Template("Your reverse-mentoring pairing with $partner was cancelled"),
    cancel=(
        para("Hello $name,"),
        para(
            "your reverse-mentoring pairing with $partner was cancelled: $reason.\nDetails: $detail"
        ),
        para("$calendar"),
        para("Best regards,\n$program"),
    ),
    ended_subject=Template("Your reverse-mentoring pairing with $partner has ended"),
    ended=(
        para("Hello $name,"),
        para("your reverse-mentoring pairing with $partner has ended: $reason."),
        para("Thank you both for taking part."),
        para("$calendar"),
        para("Best regards,\n$program"),
    ),
    calendar_removed="The meetings are removed from your calendar.",
    activated_subject=Template("Your reverse-mentoring pairing with $partner has started"),
    activated=(
        para("Hello $name,"),
        para("you and $partner both accepted: your reverse-mentoring pairing is active."),
        Actions(("end",)),
        para("Best regards,\n$program"),
    ),
    answer_labels={
        "accept": "Accept the pairing",
        "decline": "Decline the pairing (you can give a reason)",
        "end": "When the pairing has run its course, end it here",
    },
    reasons={
        "declined": "one of you declined it",
        "expired": "it was not confirmed in time",
        "constraint_broken": "it no longer fits the program's rules",
        "profile_deleted": "a profile was removed from the program",
        "ended": "one of you marked it as complete",
        "rematch_requested": "one of you asked for a new partner; you are both free for the "
        "next round",
        "program_ended": "the program has come to its end",
    },
    conjunction="and",
    footer=Template("You receive this email because you take part in $program."),
    followup=ENGLISH_FOLLOWUP,
)
