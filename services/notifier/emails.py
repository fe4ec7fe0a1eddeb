"""Builds the emails: `email.message.EmailMessage` objects, never strings glued together. Pure.

Safety lives here. Every header is set through `EmailMessage`, and addresses through
`email.headerregistry.Address`, which quotes a display name such as `Eve" <x@y>, Bcc: z` so that it
stays one name; display names are also stripped of line breaks and other unprintable characters
first, so a name cannot start a new header. The two bodies are rendered elsewhere: the text part
by `plain.py`, the HTML part by `layout.py`, from the same blocks in the same order. A reminder
carries `List-Unsubscribe` and `List-Unsubscribe-Post` (RFC 8058), so mail clients offer a
one-click unsubscribe that POSTs to the link.
"""

from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from uuid import UUID, uuid5

from email_validator import EmailNotValidError, validate_email

from services.notifier.blocks import Content
from services.notifier.errors import InvalidAddress
from services.notifier.layout import render_html
from services.notifier.mime import POLICY
from services.notifier.plain import render_text

_MESSAGE_ID_NAMESPACE = UUID("0c9d8f7e-6b5a-4c3d-8e2f-1a0b9c8d7e6f")
MAX_NAME = 100


@dataclass(frozen=True)
class Letter:
    """One email: who, what it says, and the invite."""

    sender: Address
    recipient: Address
    content: Content
    message_id: str
    date: datetime
    invite: bytes | None = None
    method: str = "REQUEST"
    references: str | None = None
    unsubscribe: str | None = None  # an https link that unsubscribes with one POST (RFC 8058)


def one_line(text: str) -> str:
    """The text without line breaks, tabs or other unprintable characters, whitespace collapsed."""
    printable = "".join(ch if ch.isprintable() else " " for ch in text)
    return " ".join(printable.split())


def safe_display_name(name: str) -> str:
    return one_line(name)[:MAX_NAME]


def checked_address(name: str, email: str) -> Address:
    """A validated address (ASCII, so every server takes it) with a safe display name."""
    try:
        valid = validate_email(email, check_deliverability=False, allow_smtputf8=False)
        return Address(display_name=safe_display_name(name), addr_spec=valid.ascii_email or "")
    except (EmailNotValidError, ValueError) as exc:
        raise InvalidAddress("the email address is not valid") from exc  # no address: logs


def message_id_for(notification_id: str, mailbox: str) -> str:
    """Deterministic, so a resend after a crash carries the same Message-ID as the first send."""
    domain = mailbox.rpartition("@")[2]
    return f"<{uuid5(_MESSAGE_ID_NAMESPACE, notification_id)}@{domain}>"


def build_email(letter: Letter) -> EmailMessage:
    """Text and HTML alternatives; with an invite, also `text/calendar; method=...` as a third
    alternative (what calendar-aware clients act on) and the same bytes as an `.ics` attachment."""
    message = EmailMessage(policy=POLICY)
    message["Subject"] = one_line(letter.content.subject)
    message["From"] = letter.sender
    message["To"] = letter.recipient
    message["Date"] = format_datetime(letter.date)
    message["Message-ID"] = letter.message_id
    message["Auto-Submitted"] = "auto-generated"
    if letter.references:
        message["In-Reply-To"] = letter.references
        message["References"] = letter.references
    if letter.unsubscribe:
        message["List-Unsubscribe"] = f"<{letter.unsubscribe}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(render_text(letter.content))
    message.add_alternative(render_html(letter.content), subtype="html")
    if letter.invite is not None:
        calendar = letter.invite.decode()
        message.add_alternative(calendar, subtype="calendar", params={"method": letter.method})
        message.add_attachment(
            letter.invite, maintype="application", subtype="ics", filename="invite.ics"
        )
    return message
