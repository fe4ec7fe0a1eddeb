"""English, the fallback for every language without its own template."""

from string import Template

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
        Template("Hello $name,"),
        Template("we are glad to introduce your reverse-mentoring partner: $partner."),
        Template(
            "You will teach $partner: $you_teach.\n$partner will teach you: $partner_teaches.\n"
            "Languages you share: $languages."
        ),
        Template("How to reach $partner: $partner_email"),
        Template("$meeting"),
        Template("Please accept or decline the pairing by $expires."),
        Template("Best regards,\n$program"),
    ),
    meeting=Template(
        "Your first meeting: $when. It repeats every $interval weeks, $count meetings in "
        "all. The calendar invitation is attached."
    ),
    no_meeting=Template(
        "We found no common free time in the next $days days. "
        "Please agree on a first meeting with $partner directly."
    ),
    cancel_subject=Template("Your reverse-mentoring pairing with $partner was cancelled"),
    cancel=(
        Template("Hello $name,"),
        Template(
            "your reverse-mentoring pairing with $partner was cancelled: $reason.\nDetails: $detail"
        ),
        Template("$calendar"),
        Template("Best regards,\n$program"),
    ),
    ended_subject=Template("Your reverse-mentoring pairing with $partner has ended"),
    ended=(
        Template("Hello $name,"),
        Template("your reverse-mentoring pairing with $partner has ended: $reason."),
        Template("Thank you both for taking part."),
        Template("$calendar"),
        Template("Best regards,\n$program"),
    ),
    calendar_removed="The meetings are removed from your calendar.",
    reasons={
        "declined": "one of you declined it",
        "expired": "it was not confirmed in time",
        "constraint_broken": "it no longer fits the program's rules",
        "profile_deleted": "a profile was removed from the program",
        "ended": "one of you marked it as complete",
    },
    conjunction="and",
)
