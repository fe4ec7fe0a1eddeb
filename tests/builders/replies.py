"""Calendar replies as a calendar client sends them, built with vobject: a different iCalendar
library from the one the notifier renders its invites with."""

from email.message import EmailMessage

import vobject


def reply_calendar(uid: str, attendee: str, partstat: str = "ACCEPTED") -> str:
    calendar = vobject.iCalendar()
    calendar.add("method").value = "REPLY"
    event = calendar.add("vevent")
    event.add("uid").value = uid
    event.add("summary").value = "Reverse Mentoring"
    answer = event.add("attendee")
    answer.value = f"mailto:{attendee}"
    answer.params["PARTSTAT"] = [partstat]
    return str(calendar.serialize())


def reply_email(
    uid: str, attendee: str, *, sender: str | None = None, partstat: str = "ACCEPTED"
) -> EmailMessage:
    """The email a calendar client sends to the organizer when `attendee` answers."""
    message = EmailMessage()
    message["From"] = sender or attendee
    message["To"] = "mentoring@example.org"
    message["Subject"] = f"{partstat.title()}: Reverse Mentoring"
    message.set_content(f"{attendee} has answered.")
    message.add_attachment(
        reply_calendar(uid, attendee, partstat),
        subtype="calendar",
        params={"method": "REPLY"},
    )
    return message
