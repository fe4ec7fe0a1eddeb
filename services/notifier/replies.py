"""Calendar replies (RFC 5546 iTIP REPLY) read as answers to a pairing. Pure: bytes in, a
decision out, nothing sent or stored.

When someone accepts or declines the invite in their calendar, the client mails a REPLY to the
ORGANIZER, the program mailbox. A reply counts as that attendee's answer only if its UID is one
the notifier issued (`Invitation`), its ATTENDEE is one of that pairing's two people, and the
message is from that attendee (the From address; the inbound endpoint belongs behind the
organisation's mail server, which checks senders). Everything else is a `Refusal` with a reason,
which the endpoint logs and counts; malformed input is a refusal too, never an exception.
"""

from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import parseaddr

from icalendar import Calendar

from services.notifier.compose import Invitation
from shared.commands import Decision, PairingAnswer

PARTSTATS: dict[str, Decision] = {"ACCEPTED": "accept", "DECLINED": "decline"}
CALENDAR_TYPES = ("text/calendar", "application/ics")
MAX_PARTS = 20


@dataclass(frozen=True)
class Reply:
    """What a calendar REPLY says: its UID, the attendee who answers, and how."""

    uid: str
    attendee: str
    decision: Decision
    sender: str


@dataclass(frozen=True)
class Refusal:
    """Why a message is not an answer (a label for logs and metrics)."""

    reason: str


def read_reply(raw: bytes) -> Reply | Refusal:
    """The one REPLY in a message, or why there is none."""
    try:
        message = message_from_bytes(raw, policy=policy.default)
        assert isinstance(message, EmailMessage)
        sender = parseaddr(str(message.get("From", "")))[1].lower()
        calendars = [_calendar(part) for part in _calendar_parts(message)]
    except Exception:  # the parsers raise many kinds for hostile input
        return Refusal("malformed")
    replies = [reply for calendar in calendars if calendar for reply in _replies(calendar, sender)]
    if not replies:
        return Refusal("no reply")
    if len(replies) > 1:
        return Refusal("several replies")
    return replies[0]


def answer_of(reply: Reply, invitation: Invitation | None) -> PairingAnswer | Refusal:
    """The pairing answer a reply gives, once checked against the invitation its UID names."""
    if invitation is None:
        return Refusal("unknown uid")
    people = {email: person_id for person_id, email in invitation.attendees}
    person_id = people.get(reply.attendee)
    if person_id is None:
        return Refusal("not an attendee")
    if reply.sender != reply.attendee:
        return Refusal("sender is not the attendee")
    return PairingAnswer(
        pairing_id=invitation.pairing_id, person_id=person_id, decision=reply.decision
    )


def _calendar_parts(message: EmailMessage) -> list[EmailMessage]:
    parts = [part for part in message.walk() if part.get_content_type() in CALENDAR_TYPES]
    return [part for part in parts[:MAX_PARTS] if isinstance(part, EmailMessage)]


def _calendar(part: EmailMessage) -> Calendar | None:
    content = part.get_content()
    data = content.encode() if isinstance(content, str) else bytes(content)
    try:
        calendar = Calendar.from_ical(data)
    except Exception:  # icalendar raises ValueError, KeyError, IndexError, ... on bad input
        return None
    return calendar if isinstance(calendar, Calendar) else None


def _replies(calendar: Calendar, sender: str) -> list[Reply]:
    if str(calendar.get("METHOD", "")).upper() != "REPLY":
        return []
    found = []
    for event in calendar.walk("VEVENT"):
        attendees = event.get("ATTENDEE")
        if attendees is None or isinstance(attendees, list) or "UID" not in event:
            continue  # a REPLY names exactly one attendee: the one who answers
        decision = PARTSTATS.get(str(attendees.params.get("PARTSTAT", "")).upper())
        address = str(attendees)
        if decision is None or not address.lower().startswith("mailto:"):
            continue
        attendee = address[len("mailto:") :].strip().lower()
        found.append(
            Reply(uid=str(event["UID"]), attendee=attendee, decision=decision, sender=sender)
        )
    return found
