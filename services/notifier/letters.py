"""The proposal and cancellation emails for both people of a pairing. Pure: builds, never sends.

Each person gets their own email in their own language, with times in their own timezone. The
calendar invite is the same for both (one UID, one anchor timezone), so their calendars agree.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from services.notifier.blocks import Blocks, Content
from services.notifier.buttons import Buttons, answer_buttons
from services.notifier.compose import (
    MeetingPolicy,
    NotificationKey,
    Outgoing,
    Program,
    Schedule,
    invite_person,
    pairing_invite,
    people,
)
from services.notifier.emails import (
    Letter,
    build_email,
    checked_address,
    message_id_for,
    safe_display_name,
)
from services.notifier.errors import InvalidAddress
from services.notifier.lang import wording_for
from services.notifier.lang.en import ENGLISH
from services.notifier.wording import Wording
from shared.answer_links import AnswerLinks
from shared.events import PairingActivated, PairingCancelled, PairingProposed, Participant


@dataclass(frozen=True)
class Draft:
    """One person's email before addressing: its key, text and invite."""

    key: NotificationKey
    recipient: Participant
    subject: str
    blocks: Blocks
    values: dict[str, str]
    invite: bytes | None
    references: str | None = None
    buttons: Buttons = field(default_factory=dict)
    wording: Wording = ENGLISH  # the frame: the footer and the page's language


def proposal_emails(
    event: PairingProposed,
    schedule: Schedule,
    *,
    program: Program,
    policy: MeetingPolicy,
    links: AnswerLinks | None = None,
) -> list[Draft]:
    """One email per person, introducing the partner, with the invite when a slot was found and
    links to accept or decline until the proposal expires."""
    series = schedule.series(policy)
    sequence = event.data.sequence
    invite = (
        pairing_invite(
            event,
            method="REQUEST",
            sequence=sequence,
            program=program,
            series=series,
            uid=schedule.uid,
        )
        if series
        else None
    )
    drafts = []
    for me, partner in people(event):
        wording = wording_for(me.languages)
        values = _proposal_values(event, me, partner, schedule, wording, policy)
        drafts.append(
            Draft(
                key=NotificationKey(event.data.pairing_id, "proposed", me.id),
                recipient=me,
                subject=wording.proposal_subject.substitute(partner=values["partner"]),
                blocks=wording.proposal,
                values=values | {"program": program.name},
                invite=invite,
                wording=wording,
                buttons=answer_buttons(
                    links,
                    pairing_id=event.data.pairing_id,
                    me=me,
                    actions=("accept", "decline"),
                    sequence=sequence,
                    expires_at=event.data.expires_at,
                ),
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
        values = {"name": safe_display_name(me.name), "partner": safe_display_name(partner.name)}
        drafts.append(
            Draft(
                key=NotificationKey(data.pairing_id, "active", me.id),
                recipient=me,
                subject=wording.activated_subject.substitute(partner=values["partner"]),
                blocks=wording.activated,
                values=values | {"program": program.name},
                invite=None,
                wording=wording,
                buttons=answer_buttons(
                    links,
                    pairing_id=data.pairing_id,
                    me=me,
                    actions=("end",),
                    sequence=data.sequence,
                    expires_at=event.occurred_at + lasts,
                ),
            )
        )
    return drafts


def cancellation_emails(
    event: PairingCancelled, schedule: Schedule | None, *, program: Program, policy: MeetingPolicy
) -> list[Draft]:
    """One short email per person saying why (or, for an ended pairing, thanking them); a CANCEL
    for the series if an invite went out."""
    invite = None
    if schedule and (series := schedule.series(policy)):
        # SEQUENCE must exceed the REQUEST's, whatever the producer sent.
        sequence = max(event.data.sequence, schedule.sequence + 1)
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
        values = {
            "name": safe_display_name(me.name),
            "partner": safe_display_name(partner.name),
            "reason": wording.reasons.get(event.data.reason_code, event.data.reason_code),
            "detail": event.data.reason,
            "calendar": wording.calendar_removed if invite else "",
            "program": program.name,
        }
        proposal = NotificationKey(event.data.pairing_id, "proposed", me.id)
        subject, blocks = wording.cancellation(event.data.reason_code)
        drafts.append(
            Draft(
                key=NotificationKey(event.data.pairing_id, "cancelled", me.id),
                recipient=me,
                subject=subject.substitute(partner=values["partner"]),
                blocks=blocks,
                values=values,
                invite=invite,
                references=message_id_for(proposal.id, program.mailbox),
                wording=wording,
            )
        )
    return drafts


def address(draft: Draft, *, program: Program, now: datetime) -> Outgoing:
    """The finished email, or why there is none (an invalid recipient address)."""
    try:
        recipient = checked_address(draft.recipient.name, draft.recipient.email)
    except InvalidAddress:
        return Outgoing(key=draft.key, message=None, problem="invalid recipient address")
    contact = draft.values.get("partner_email", "")
    content = Content(
        subject=draft.subject,
        blocks=draft.blocks,
        values=draft.values,
        links={"partner_email": contact} if "@" in contact else {},
        buttons=draft.buttons,
        header=program.name,
        footer=draft.wording.footer,
        language=draft.wording.locale,
    )
    letter = Letter(
        sender=program.sender,
        recipient=recipient,
        content=content,
        message_id=message_id_for(draft.key.id, program.mailbox),
        date=now,
        invite=draft.invite,
        method="CANCEL" if draft.key.state == "cancelled" else "REQUEST",
        references=draft.references,
    )
    return Outgoing(key=draft.key, message=build_email(letter))


def _proposal_values(
    event: PairingProposed,
    me: Participant,
    partner: Participant,
    schedule: Schedule,
    wording: Wording,
    policy: MeetingPolicy,
) -> dict[str, str]:
    why = event.data.explanation
    mine, theirs = why.younger_teaches, why.older_teaches
    if me is not event.data.younger:
        mine, theirs = theirs, mine
    partner_name = safe_display_name(partner.name)
    if schedule.start and schedule.end:
        when = wording.span(schedule.start, schedule.end, me.timezone)
        meeting = wording.meeting.substitute(interval=policy.interval_weeks, count=policy.count)
    else:
        when = wording.not_scheduled
        meeting = wording.no_meeting.substitute(days=policy.horizon.days, partner=partner_name)
    contact = invite_person(partner)
    return {
        "name": safe_display_name(me.name),
        "partner": partner_name,
        "you_teach": wording.skill_list(mine),
        "partner_teaches": wording.skill_list(theirs),
        "languages": wording.language_list(why.shared_languages),
        "partner_email": contact.email if contact else "-",
        "when": when,
        "meeting": meeting,
        "expires": wording.moment(event.data.expires_at, me.timezone),
    }
