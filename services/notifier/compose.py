"""From a pairing event to the emails it causes, one per person. Pure: no I/O, no settings.

The meeting series is planned once per pairing (`plan_schedule`) and stored before any email is
built, so both people, and any resend, see the same first meeting.
"""

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from email.headerregistry import Address
from email.message import EmailMessage
from zoneinfo import ZoneInfo

from services.notifier.emails import checked_address, safe_display_name
from services.notifier.errors import InvalidAddress
from services.notifier.invites import Invite, Method, Person, Series, build_invite, invite_uid
from shared.events import PairingCancelled, PairingProposed, Participant, ProposedPairing
from shared.meetings import MeetingPolicy as MeetingPolicy
from shared.meetings import first_meeting


@dataclass(frozen=True)
class Program:
    """Who sends: the program's mailbox (From and ORGANIZER) and its name."""

    mailbox: str
    name: str

    @property
    def sender(self) -> Address:
        return Address(display_name=safe_display_name(self.name), addr_spec=self.mailbox)


@dataclass(frozen=True)
class Schedule:
    """A pairing's planned first meeting (None: no common time), anchored in `timezone`, and
    the UID of its invitations."""

    pairing_id: str
    sequence: int
    timezone: str
    start: datetime | None
    end: datetime | None
    uid: str

    def series(self, policy: MeetingPolicy) -> Series | None:
        if self.start is None or self.end is None:
            return None
        zone = ZoneInfo(self.timezone)
        return Series(
            start=self.start.astimezone(zone),
            end=self.end.astimezone(zone),
            interval_weeks=policy.interval_weeks,
            count=policy.count,
        )


@dataclass(frozen=True)
class NotificationKey:
    """One email: (pairing, state, recipient). Its id keys the notification record."""

    pairing_id: str
    state: str
    recipient_id: str

    @property
    def id(self) -> str:
        return f"{self.pairing_id}:{self.state}:{self.recipient_id}"

    @property
    def kind(self) -> str:
        """The state without its occasion ("checkin" of "checkin.mid-program"): a metric label."""
        return self.state.partition(".")[0]


@dataclass(frozen=True)
class Outgoing:
    """An email to send, or the reason it cannot be (then `message` is None)."""

    key: NotificationKey
    message: EmailMessage | None
    problem: str | None = None


@dataclass(frozen=True)
class Invitation:
    """Who a pairing's invite went to: (person id, address) of both people. A calendar reply
    to `uid` counts only from one of them."""

    uid: str
    pairing_id: str
    attendees: tuple[tuple[str, str], ...]


def invitation(pairing: ProposedPairing, schedule: Schedule) -> Invitation:
    people = (pairing.younger, pairing.older)
    attendees = tuple((person.id, person.email.lower()) for person in people)
    return Invitation(uid=schedule.uid, pairing_id=pairing.pairing_id, attendees=attendees)


def plan_schedule(
    pairing: ProposedPairing, policy: MeetingPolicy, now: datetime, *, uid_key: bytes
) -> Schedule:
    """The earliest common slot; the series keeps the older person's wall-clock time (the
    matcher counts the same series for its check-ins: `shared.meetings`)."""
    slot = first_meeting([pairing.younger, pairing.older], policy, now)
    return Schedule(
        pairing_id=pairing.pairing_id,
        sequence=pairing.sequence,
        timezone=pairing.older.timezone,
        start=slot.start if slot else None,
        end=slot.end if slot else None,
        uid=invite_uid(pairing.pairing_id, uid_key),
    )


def fit_series(policy: MeetingPolicy, schedule: Schedule | None) -> MeetingPolicy:
    """The policy with as many meetings as fit from the first one through `until` (at least
    one); unchanged without `until` or without a first meeting."""
    if policy.until is None or schedule is None or schedule.start is None:
        return policy
    first = schedule.start.astimezone(ZoneInfo(schedule.timezone)).date()
    meetings = (policy.until - first).days // (7 * policy.interval_weeks) + 1
    return replace(policy, count=max(1, meetings))


def people(event: PairingProposed | PairingCancelled) -> list[tuple[Participant, Participant]]:
    """Each recipient with their partner: the younger first."""
    data = event.data
    return [(data.younger, data.older), (data.older, data.younger)]


def invite_person(participant: Participant) -> Person | None:
    try:
        address = checked_address(participant.name, participant.email)
    except InvalidAddress:
        return None
    return Person(name=address.display_name, email=address.addr_spec)


def attendees(event: PairingProposed | PairingCancelled) -> list[Person]:
    found = (invite_person(p) for p in (event.data.younger, event.data.older))
    return [person for person in found if person]


def pairing_invite(
    event: PairingProposed | PairingCancelled,
    *,
    method: Method,
    sequence: int,
    program: Program,
    series: Series | None,
    uid: str,
    alarm: timedelta | None = None,
) -> bytes:
    """The one invite both people get: same UID, same anchor, both as attendees."""
    data = event.data
    names = " & ".join(safe_display_name(p.name) for p in (data.younger, data.older))
    about = data.explanation.summary if isinstance(data, ProposedPairing) else data.reason
    return build_invite(
        Invite(
            method=method,
            uid=uid,
            sequence=sequence,
            stamp=event.occurred_at,
            organizer=Person(name=safe_display_name(program.name), email=program.mailbox),
            attendees=attendees(event),
            summary=f"{program.name}: {names}",
            description=about,
            series=series,
            alarm=alarm,
        )
    )
