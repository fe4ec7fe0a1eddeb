"""English: the reminder, the check-in and its nudge."""

from string import Template

from services.notifier.blocks import Actions, card, panel, para
from services.notifier.followup_wording import FollowUpWording

ENGLISH_FOLLOWUP = FollowUpWording(
    reminder_subject=Template("Reminder: $partner is waiting for your answer"),
    reminder=(
        para("Hello $name,"),
        para("your reverse-mentoring pairing with $partner still awaits your answer."),
        card(
            "Your partner",
            "$partner",
            ("You will teach $partner: $you_teach.", "$partner will teach you: $partner_teaches."),
            ("Languages you share: $languages.",),
        ),
        panel("Your first meeting", "$when", "$meeting"),
        para("Please accept or decline the pairing by $expires."),
        Actions(("accept", "decline")),
    ),
    checkin_subject=Template("How is it going with $partner?"),
    final_subject=Template("The program has ended: how did it go with $partner?"),
    nudge_subject=Template("A click left: how is it going with $partner?"),
    checkin_intro=(
        para("Hello $name,"),
        para(
            "how is your reverse-mentoring pairing with $partner going? Each answer is one "
            "click, and you can change it until $closes."
        ),
    ),
    final_intro=(
        para("Hello $name,"),
        para(
            "the program has ended, and with it your reverse-mentoring pairing with $partner. "
            "Thank you for taking part! One last time, how did it go? You can answer until "
            "$closes."
        ),
    ),
    nudge_intro=(
        para("Hello $name,"),
        para(
            "we have not heard from you yet about your pairing with $partner. Your answer "
            "helps the program; it takes a click, until $closes."
        ),
    ),
    met_question="Did you meet?",
    met_labels={"yes": "Yes", "not_yet": "Not yet", "stopped": "We stopped"},
    usefulness_question="How useful was it? 1: not at all, 5: very.",
    learned_question="What did you learn from $partner?",
    learned_other="Something else (write it in the form)",
    rematch="Is the pairing not working out? You can ask for a new partner: this ends the "
    "pairing, and you are both free for the next round.",
    rematch_label="Ask for a new partner",
    closing=(para("Best regards,\n$program"),),
    unsubscribe="Prefer no reminders? Check-ins and news about your pairing still reach you.",
    unsubscribe_label="Unsubscribe from reminders",
)
