"""Builds the emails: `email.message.EmailMessage` objects, never strings glued together. Pure.

Safety lives here. Every header is set through `EmailMessage`, and addresses through
`email.headerregistry.Address`, which quotes a display name such as `Eve" <x@y>, Bcc: z` so that it
stays one name; display names are also stripped of line breaks and other unprintable characters
first, so a name cannot start a new header. The HTML part is filled with escaped values only.
"""

import html
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from string import Template
from uuid import UUID, uuid5

from email_validator import EmailNotValidError, validate_email

from services.notifier.errors import InvalidAddress

_MESSAGE_ID_NAMESPACE = UUID("0c9d8f7e-6b5a-4c3d-8e2f-1a0b9c8d7e6f")
MAX_NAME = 100


@dataclass(frozen=True)
class Letter:
    """One email: who, what (paragraph templates and their raw values), and the invite."""

    sender: Address
    recipient: Address
    subject: str
    paragraphs: tuple[Template, ...]
    values: Mapping[str, str]
    message_id: str
    date: datetime
    invite: bytes | None = None
    method: str = "REQUEST"
    references: str | None = None
    links: Mapping[str, str] = field(default_factory=dict)  # value name -> mailto: address
    buttons: Mapping[str, tuple[str, str]] = field(default_factory=dict)  # name -> (label, URL)


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
    message = EmailMessage()
    message["Subject"] = one_line(letter.subject)
    message["From"] = letter.sender
    message["To"] = letter.recipient
    message["Date"] = format_datetime(letter.date)
    message["Message-ID"] = letter.message_id
    message["Auto-Submitted"] = "auto-generated"
    if letter.references:
        message["In-Reply-To"] = letter.references
        message["References"] = letter.references
    message.set_content(render_text(letter))
    message.add_alternative(render_html(letter), subtype="html")
    if letter.invite is not None:
        calendar = letter.invite.decode()
        message.add_alternative(calendar, subtype="calendar", params={"method": letter.method})
        message.add_attachment(
            letter.invite, maintype="application", subtype="ics", filename="invite.ics"
        )
    return message


def render_text(letter: Letter) -> str:
    buttons = {key: f"{label}:\n{url}" for key, (label, url) in letter.buttons.items()}
    paragraphs = (p.substitute({**letter.values, **buttons}) for p in letter.paragraphs)
    return "\n\n".join(p for p in paragraphs if p.strip()) + "\n"


_BUTTON = (
    '<a href="{href}" style="display:inline-block;margin:4px 0;padding:10px 18px;'
    'border-radius:6px;background:#1f4f8a;color:#ffffff;text-decoration:none">{label}</a>'
)


def render_html(letter: Letter) -> str:
    values = {key: html.escape(value) for key, value in letter.values.items()}
    for key, address in letter.links.items():
        href = html.escape(f"mailto:{address}", quote=True)
        values[key] = f'<a href="{href}">{values[key]}</a>'
    for key, (label, url) in letter.buttons.items():
        values[key] = _BUTTON.format(href=html.escape(url, quote=True), label=html.escape(label))
    paragraphs = (p.substitute(values) for p in letter.paragraphs)
    body = "\n".join(f"<p>{p.replace(chr(10), '<br>')}</p>" for p in paragraphs if p.strip())
    title = html.escape(letter.subject)
    return (
        f'<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>{title}</title></head>\n'
        f"<body>\n{body}\n</body></html>\n"
    )
