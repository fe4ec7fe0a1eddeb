"""The reminder of an unanswered proposal: `pairing.reminded` reaches each person it waits on,
and only them, with the partner card, the first meeting and the accept and decline buttons
again. Pure: builds, never sends. A reminder can be unsubscribed from (`drafts.as_reminder`)."""

from services.notifier.buttons import answer_buttons
from services.notifier.compose import MeetingPolicy, NotificationKey, Program, Schedule
from services.notifier.drafts import Draft, as_reminder, draft
from services.notifier.lang import wording_for
from services.notifier.partner_card import card_values
from services.notifier.unsubscribe import UnsubscribeLinks
from shared.answer_links import AnswerLinks
from shared.events import PairingReminded


def reminder_emails(
    event: PairingReminded,
    schedule: Schedule | None,
    *,
    program: Program,
    policy: MeetingPolicy,
    links: AnswerLinks | None = None,
    unsubscribe: UnsubscribeLinks | None = None,
) -> list[Draft]:
    data = event.data
    drafts = []
    for me, partner in ((data.younger, data.older), (data.older, data.younger)):
        if me.id not in data.waiting_on:
            continue
        wording = wording_for(me.languages)
        buttons = answer_buttons(
            links,
            pairing_id=data.pairing_id,
            me=me,
            actions=("accept", "decline"),
            sequence=data.sequence,  # the proposal's, as the matcher sends it in a reminder
            expires_at=data.expires_at,
        )
        reminder = draft(
            NotificationKey(data.pairing_id, "reminded", me.id),
            me,
            partner,
            wording,
            program=program,
            subject=wording.followup.reminder_subject,
            blocks=wording.followup.reminder + wording.followup.closing,
            values=card_values(data, me, partner, schedule, wording, policy),
            buttons=buttons,
        )
        drafts.append(as_reminder(reminder, unsubscribe))
    return drafts
