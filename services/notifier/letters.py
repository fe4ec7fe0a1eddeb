"""The proposal, activation and cancellation emails for both people of a pairing. Pure: builds,
never sends.

Each person gets their own email in their own language, with times in their own timezone. The
calendar invite is the same for both (one UID, one anchor timezone), so their calendars agree.
"""

from datetime import timedelta

from services.notifier.buttons import answer_buttons
from services.notifier.compose import (
    MeetingPolicy,
    NotificationKey,
    Program,
    Schedule,
    pairing_invite,
    people,
)
from services.notifier.drafts import Draft, draft
from services.notifier.emails import message_id_for
from services.notifier.lang import wording_for
from services.notifier.partner_card import card_values
from shared.answer_links import AnswerLinks
from shared.events import PairingActivated, PairingCancelled, PairingProposed


def proposal_emails(
    event: PairingProposed,
    schedule: Schedule,
    *,
    program: Program,
    policy: MeetingPolicy,
    links: AnswerLinks | None = None,
    alarm: timedelta | None = None,
) -> list[Draft]:
    """One email per person, introducing the partner, with the invite (its alarm `alarm` before
    each meeting) when a slot was found and links to accept or decline until the proposal
    expires."""
    series = schedule.series(policy)
    data = event.data
    invite = None
    if series:
        invite = pairing_invite(
            event,
            method="REQUEST",
            sequence=data.sequence,
            program=program,
            series=series,
            uid=schedule.uid,
            alarm=alarm,
        )
    drafts = []
    for me, partner in people(event):
        wording = wording_for(me.languages)
        buttons = answer_buttons(
            links,
            pairing_id=data.pairing_id,
            me=me,
            actions=("accept", "decline"),
            sequence=data.sequence,
            expires_at=data.expires_at,
        )
        drafts.append(
            draft(
                NotificationKey(data.pairing_id, "proposed", me.id),
                me,
                partner,
                wording,
                program=program,
                subject=wording.proposal_subject,
                blocks=wording.proposal,
                values=card_values(data, me, partner, schedule, wording, policy),
                invite=invite,
                buttons=buttons,
            )
        )
    return drafts


def activation_emails(
    event: PairingActivated,
    *,
    program: Program,
    policy: MeetingPolicy,
    links: AnswerLinks | None = None,
) -> list[Draft]:
    """Both accepted: one email per person saying so, with a link to end the pairing, valid for
    the program's length. None for an event without the people (published before it had them)."""
    data = event.data
    if data.younger is None or data.older is None:
        return []
    lasts = timedelta(weeks=policy.interval_weeks * policy.count)
    drafts = []
    for me, partner in [(data.younger, data.older), (data.older, data.younger)]:
        wording = wording_for(me.languages)
        buttons = answer_buttons(
            links,
            pairing_id=data.pairing_id,
            me=me,
            actions=("end",),
            sequence=data.sequence,
            expires_at=event.occurred_at + lasts,
        )
        drafts.append(
            draft(
                NotificationKey(data.pairing_id, "active", me.id),
                me,
                partner,
                wording,
                program=program,
                subject=wording.activated_subject,
                blocks=wording.activated,
                buttons=buttons,
            )
        )
    return drafts


def cancellation_emails(
    event: PairingCancelled, schedule: Schedule | None, *, program: Program, policy: MeetingPolicy
) -> list[Draft]:
    """One short email per person saying why (or, for a pairing that ran its course or ended
    with the program, thanking them); a CANCEL for the series if an invite went out."""
    data = event.data
    invite = None
    if schedule and (series := schedule.series(policy)):
        # SEQUENCE must exceed the REQUEST's, whatever the producer sent.
        sequence = max(data.sequence, schedule.sequence + 1)
        invite = pairing_invite(
            event,
            method="CANCEL",
            sequence=sequence,
            program=program,
            series=series,
            uid=schedule.uid,
        )
    drafts = []
    for me, partner in people(event):
        wording = wording_for(me.languages)
        subject, blocks = wording.cancellation(data.reason_code)
        values = {
            "reason": wording.reasons.get(data.reason_code, data.reason_code),
            "detail": data.reason,
            "calendar": wording.calendar_removed if invite else "",
        }
        proposal = NotificationKey(data.pairing_id, "proposed", me.id)
        drafts.append(
            draft(
                NotificationKey(data.pairing_id, "cancelled", me.id),
                me,
                partner,
                wording,
                program=program,
                subject=subject,
                blocks=blocks,
                values=values,
                invite=invite,
                references=message_id_for(proposal.id, program.mailbox),
            )
        )
    return drafts
