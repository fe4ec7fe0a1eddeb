"""One person's email before it is addressed (`Draft`), the one way every kind of email makes it
(`draft`), and its addressing into a MIME message (`address`). Pure: builds, never sends.

Every email of the notifier greets its reader by name, names the partner and the program, and is
written in the reader's language; `draft` does that once, so the builders of each kind (`letters`,
`reminders`, `checkin_letters`) only say what differs.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from string import Template

from services.notifier.blocks import Actions, Blocks, Content, para
from services.notifier.buttons import Buttons
from services.notifier.compose import NotificationKey, Outgoing, Program
from services.notifier.emails import Letter, build_email, checked_address, message_id_for
from services.notifier.emails import safe_display_name as safe
from services.notifier.errors import InvalidAddress
from services.notifier.lang.en import ENGLISH
from services.notifier.unsubscribe import UnsubscribeLinks
from services.notifier.wording import Wording
from shared.events import Participant


@dataclass(frozen=True)
class Draft:
    """One person's email before addressing: its key, text and invite. A `reminder` is one the
    person can unsubscribe from (`unsubscribe`: the link for the List-Unsubscribe header)."""

    key: NotificationKey
    recipient: Participant
    subject: str
    blocks: Blocks
    values: dict[str, str]
    invite: bytes | None
    references: str | None = None
    buttons: Buttons = field(default_factory=dict)
    wording: Wording = ENGLISH  # the frame: the footer and the page's language
    reminder: bool = False
    unsubscribe: str | None = None


def draft(
    key: NotificationKey,
    me: Participant,
    partner: Participant,
    wording: Wording,
    *,
    program: Program,
    subject: Template,
    blocks: Blocks,
    values: Mapping[str, str] | None = None,
    invite: bytes | None = None,
    buttons: Buttons | None = None,
    references: str | None = None,
) -> Draft:
    """`me`'s email about `partner`: the names and the program are values of every email."""
    names = {"name": safe(me.name), "partner": safe(partner.name), "program": program.name}
    return Draft(
        key=key,
        recipient=me,
        subject=subject.substitute(partner=names["partner"]),
        blocks=blocks,
        values=names | dict(values or {}),
        invite=invite,
        references=references,
        buttons=buttons or {},
        wording=wording,
    )


def as_reminder(draft: Draft, links: UnsubscribeLinks | None) -> Draft:
    """The draft as a reminder: not sent once its reader has unsubscribed from reminders, and,
    when links are issued, with the link to do so (a button, and the List-Unsubscribe header)."""
    if links is None:
        return replace(draft, reminder=True)
    words = draft.wording.followup
    url = links.url(draft.recipient.id, draft.wording.locale)
    blocks = (*draft.blocks, para(words.unsubscribe), Actions(("unsubscribe",)))
    buttons = draft.buttons | {"unsubscribe": (words.unsubscribe_label, url)}
    return replace(draft, blocks=blocks, buttons=buttons, reminder=True, unsubscribe=url)


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
        unsubscribe=draft.unsubscribe,
    )
    return Outgoing(key=draft.key, message=build_email(letter))
