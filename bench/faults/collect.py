"""Reads what a run left behind into a `History`: the topics, the services' stores (through
their APIs), the mail folder and the dead-letter topics."""

import email
from collections.abc import Iterable
from email import policy
from email.message import Message
from pathlib import Path

import icalendar
from pydantic import TypeAdapter, ValidationError

from bench.faults.doors import Http
from bench.faults.history import Canonical, Email, Expected, History, Letter, Outcome
from bench.faults.kinds import expected_keys
from bench.faults.smtp import Delivered
from deploy import ops
from services.notifier.emails import message_id_for
from shared.events import NotificationEvent, ProfileChanged, ProfileEvent
from shared.topics import DEAD_LETTER_SUFFIX, Topics

PROFILE_EVENTS: TypeAdapter[ProfileEvent] = TypeAdapter(ProfileEvent)
NOTIFICATION_EVENTS: TypeAdapter[NotificationEvent] = TypeAdapter(NotificationEvent)


async def canonical(bootstrap: str, topics: Topics) -> list[Canonical]:
    out = []
    for record in await ops.read_all(bootstrap, topics.profile_changes, limit=None):
        if record.value is None:
            continue  # a tombstone
        event = PROFILE_EVENTS.validate_json(record.value)
        changed = isinstance(event, ProfileChanged)
        out.append(
            Canonical(
                profile_id=event.data.id,
                version=event.data.version,
                event_id=str(event.event_id),
                deleted=not changed,
                name=event.data.name if isinstance(event, ProfileChanged) else None,
                capacity=event.data.max_pairings if isinstance(event, ProfileChanged) else 0,
            )
        )
    return out


async def outcomes(bootstrap: str, topics: Topics) -> list[Outcome]:
    out = []
    for record in await ops.read_all(bootstrap, topics.notifications, limit=None):
        try:
            event = NOTIFICATION_EVENTS.validate_json(record.value or b"")
        except ValidationError:
            continue
        data = event.data
        key = f"{data.pairing_id}:{data.state}:{data.recipient_id}"
        sent = event.event_type == "notification.sent"
        out.append(Outcome(key, sent, str(event.event_id), data.detail if sent else None))
    return out


def emails(mail_dir: Path, delivered: Iterable[Delivered], *, started: float) -> list[Email]:
    """The delivered emails, timed on the run's clock (`started`: its monotonic origin), so
    they compare with the faults' times."""
    out = []
    for order, item in enumerate(delivered):
        message = email.message_from_bytes(
            (mail_dir / item.file).read_bytes(), policy=policy.default
        )
        method, uid, sequence = _invite(message)
        out.append(
            Email(
                item.file,
                item.recipient,
                item.message_id,
                order,
                item.at - started,
                method,
                uid,
                sequence,
            )
        )
    return out


def _invite(message: Message) -> tuple[str | None, str | None, int | None]:
    for part in message.walk():
        if part.get_content_type() == "text/calendar":
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            calendar = icalendar.Calendar.from_ical(payload)
            event = next(iter(calendar.walk("VEVENT")))
            return str(calendar["METHOD"]), str(event["UID"]), int(event.get("SEQUENCE", 0))
    return None, None, None


def message_ids(history: History) -> dict[str, str]:
    """The Message-ID (its unique part) of every key a pairing event or an outcome names."""
    keys = [o.key for o in history.outcomes]
    for pairing, events in history.pairings.items():
        keys += expected_keys(pairing, list(events))
    return {message_id_for(key, "x@x").strip("<>").split("@")[0]: key for key in keys}


async def stored_states(matcher: Http, programs: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for program in programs:
        response = await matcher.call(
            "GET", "/pairings", params={"program_id": program, "limit": 1000}
        )
        out |= {item["id"]: item["state"] for item in response.json()}
    return out


async def stored_profiles(profiles: Http, ids: Iterable[str]) -> dict[str, Expected]:
    out: dict[str, Expected] = {}
    for profile_id in ids:
        response = await profiles.call("GET", f"/profiles/{profile_id}")
        if response.status_code == 404:
            out[profile_id] = Expected(deleted=True, name=None)
        else:
            out[profile_id] = Expected(deleted=False, name=str(response.json()["name"]))
    return out


async def dead_letters(bootstrap: str, topics: Topics) -> dict[str, list[Letter]]:
    out: dict[str, list[Letter]] = {}
    for source in topics.all():
        if source.endswith(DEAD_LETTER_SUFFIX):
            continue
        letters = await ops.dead_letters(bootstrap, Topics.dead_letter(source), limit=100_000)
        out[source] = [
            Letter(
                int(d.headers.get("dlq_source_partition", -1)),
                int(d.headers.get("dlq_source_offset", -1)),
                d.value,
            )
            for d in letters
        ]
    return {source: letters for source, letters in out.items() if letters}


async def malformed(bootstrap: str, inputs: dict[str, set[bytes]]) -> dict[str, list[Letter]]:
    """Where each malformed input landed on its topic (a resent one twice)."""
    out: dict[str, list[Letter]] = {}
    for topic, values in inputs.items():
        records = await ops.read_all(bootstrap, topic, limit=None)
        out[topic] = [Letter(r.partition, r.offset, r.value) for r in records if r.value in values]
    return out


async def lag(bootstrap: str, prefix: str) -> dict[str, int]:
    out: dict[str, int] = {}
    for row in await ops.consumer_lag(bootstrap):
        if row.group.startswith(prefix):
            out[row.group] = out.get(row.group, 0) + row.lag
    return out
