"""The check-in emails: `checkin.opened` asks both people, `checkin.nudged` asks again those who
have not answered. Pure: builds, never sends.

Each person's email offers, as "what did you learn?", what their partner offered to teach (the
event's skill codes, named in the reader's language), plus "something else" for the form. A
nudge is the same questions with another opening, and it is a reminder: a person who
unsubscribed from reminders gets none, and it carries the link to do so.
"""

from services.notifier.checkin_buttons import checkin_buttons, questions
from services.notifier.compose import NotificationKey, Program
from services.notifier.drafts import Draft, as_reminder, draft
from services.notifier.lang import language_for, wording_for
from services.notifier.unsubscribe import UnsubscribeLinks
from shared.answer_links import AnswerLinks
from shared.events import CheckinNudged, CheckinOpened, OpenedCheckin, Participant


def checkin_emails(
    event: CheckinOpened, *, program: Program, links: AnswerLinks | None = None
) -> list[Draft]:
    """Both people, each about the other."""
    data = event.data
    return [
        _checkin(data, me, partner, program=program, links=links, state="checkin")
        for me, partner in ((data.younger, data.older), (data.older, data.younger))
    ]


def nudge_emails(
    event: CheckinNudged,
    *,
    program: Program,
    links: AnswerLinks | None = None,
    unsubscribe: UnsubscribeLinks | None = None,
) -> list[Draft]:
    """Only the people still waited on."""
    data = event.data
    pairs = ((data.younger, data.older), (data.older, data.younger))
    return [
        as_reminder(
            _checkin(data, me, partner, program=program, links=links, state="nudged"),
            unsubscribe,
        )
        for me, partner in pairs
        if me.id in data.waiting_on
    ]


def _checkin(
    data: OpenedCheckin,
    me: Participant,
    partner: Participant,
    *,
    program: Program,
    links: AnswerLinks | None,
    state: str,
) -> Draft:
    wording = wording_for(me.languages)
    words = wording.followup
    offered = data.younger_teaches if me.id == data.older.id else data.older_teaches
    choices = [(code, wording.skill(code)) for code in offered]
    if state == "nudged":
        subject, intro = words.nudge_subject, words.nudge_intro
    elif data.final:
        subject, intro = words.final_subject, words.final_intro
    else:
        subject, intro = words.checkin_subject, words.checkin_intro
    buttons = checkin_buttons(
        links, data, me=me, language=language_for(me.languages), words=words, choices=choices
    )
    return draft(
        NotificationKey(data.pairing_id, f"{state}.{data.checkin_id}", me.id),
        me,
        partner,
        wording,
        program=program,
        subject=subject,
        blocks=intro + questions(words, choices=len(choices), final=data.final) + words.closing,
        values={"closes": wording.moment(data.closes_at, me.timezone)},
        buttons=buttons,
    )
