"""The proposal and cancellation emails for both people of a pairing. Pure: builds, never sends.

Each person gets their own email in their own language, with times in their own timezone. The
calendar invite is the same for both (one UID, one anchor timezone), so their calendars agree.
"""

from dataclasses import dataclass
from datetime import datetime
from string import Template

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
from services.notifier.wording import Wording
from shared.events import PairingCancelled, PairingProposed, Participant


@dataclass(frozen=True)
class Draft:
    """One person's email before addressing: its key, text and invite."""

    key: NotificationKey
    recipient: Participant
    subject: str
    paragraphs: tuple[Template, ...]
    values: dict[str, str]
    invite: bytes | None
    references: str | None = None


def proposal_emails(
    event: PairingProposed, schedule: Schedule, *, program: Program, policy: MeetingPolicy
) -> list[Draft]:
    """One email per person, introducing the partner, with the invite when a slot was found."""
    series = schedule.series(policy)
    sequence = event.data.sequence
    invite = (
        pairing_invite(event, method="REQUEST", sequence=sequence, program=program, series=series)
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
                paragraphs=wording.proposal,
                values=values | {"program": program.name},
                invite=invite,
            )
        )
    return drafts


def cancellation_emails(
    event: PairingCancelled, schedule: Schedule | None, *, program: Program, policy: MeetingPolicy
) -> list[Draft]:
    """One short email per person saying why (or, for an ended pairing, thanking them); a CANCEL
    for the series if an invite went out."""
    series = schedule.series(policy) if schedule else None
    # SEQUENCE must exceed the REQUEST's, whatever the producer sent.
    sequence = max(event.data.sequence, schedule.sequence + 1) if schedule else 0
    invite = (
        pairing_invite(event, method="CANCEL", sequence=sequence, program=program, series=series)
        if series
        else None
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
        subject, paragraphs = wording.cancellation(event.data.reason_code)
        drafts.append(
            Draft(
                key=NotificationKey(event.data.pairing_id, "cancelled", me.id),
                recipient=me,
                subject=subject.substitute(partner=values["partner"]),
                paragraphs=paragraphs,
                values=values,
                invite=invite,
                references=message_id_for(proposal.id, program.mailbox),
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
    letter = Letter(
        sender=program.sender,
        recipient=recipient,
        subject=draft.subject,
        paragraphs=draft.paragraphs,
        values=draft.values,
        message_id=message_id_for(draft.key.id, program.mailbox),
        date=now,
        invite=draft.invite,
        method="CANCEL" if draft.key.state == "cancelled" else "REQUEST",
        references=draft.references,
        links={"partner_email": contact} if "@" in contact else {},
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
        meeting = wording.meeting.substitute(
            when=when, interval=policy.interval_weeks, count=policy.count
        )
    else:
        meeting = wording.no_meeting.substitute(days=policy.horizon.days, partner=partner_name)
    contact = invite_person(partner)
    return {
        "name": safe_display_name(me.name),
        "partner": partner_name,
        "you_teach": wording.skill_list(mine),
        "partner_teaches": wording.skill_list(theirs),
        "languages": wording.language_list(why.shared_languages),
        "partner_email": contact.email if contact else "-",
        "meeting": meeting,
        "expires": wording.moment(event.data.expires_at, me.timezone),
    }
