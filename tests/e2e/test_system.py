"""The three services as separate processes against the real broker, the store and an SMTP sink.

One system serves the module; each test uses its own program, so tests never see each other's
people. Effects are polled with a bounded wait.
"""

import email
from dataclasses import dataclass
from email.message import Message
from pathlib import Path
from typing import Any

import httpx
import icalendar
import pytest
from aiokafka import AIOKafkaProducer

from deploy import ops
from deploy.processes import System
from shared.commands import PairingAnswer, RespondToPairing
from shared.events import PairingActivated, PairingCancelled, PairingEvent, PairingProposed
from shared.kafka import encode
from shared.mongo import mongo_client
from shared.topics import Topics
from tests.builders.profiles import profile_fields
from tests.builders.programs import program_body
from tests.builders.replies import reply_email
from tests.helpers import deliver_lmtp, eventually

pytestmark = pytest.mark.e2e

YOUNG = {"vocabulary": ["social_media", "ai_tools"]}
OLD = {"vocabulary": ["strategy", "leadership"]}


@dataclass(frozen=True)
class Received:
    recipient: str
    method: str
    uid: str
    sequence: int
    attendees: frozenset[str]


def received(mail_dir: Path) -> list[Received]:
    """Every email with an invite that the sink accepted, reduced to that invite (the email
    that a pairing has started carries none)."""
    out = []
    for path in sorted(mail_dir.glob("*.eml")):
        message = email.message_from_bytes(path.read_bytes())
        invite = _calendar(message)
        if invite is None:
            continue
        event = next(iter(invite.walk("VEVENT")))
        out.append(
            Received(
                recipient=path.name.split("-", 1)[1].removesuffix(".eml"),
                method=str(invite["METHOD"]),
                uid=str(event["UID"]),
                sequence=int(event["SEQUENCE"]),
                attendees=frozenset(
                    str(a).lower().removeprefix("mailto:") for a in event.get("ATTENDEE", [])
                ),
            )
        )
    return out


def _calendar(message: Message) -> icalendar.Calendar | None:
    for part in message.walk():
        if part.get_content_type() == "text/calendar":
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            return icalendar.Calendar.from_ical(payload)
    return None


class Program:
    """One program's people and what the system did with them."""

    def __init__(self, system: System, unique: str) -> None:
        self.system, self.id = system, f"prog-{unique}"
        self.topics = Topics(prefix=system.config.topic_prefix)
        self.emails: dict[str, str] = {}

    async def add_via_api(
        self, name: str, birth_year: int, offers: dict[str, Any], wants: dict[str, Any]
    ) -> str:
        body = self._fields(name, birth_year, offers, wants).model_dump(mode="json")
        async with self._client("profiles") as client:
            response = await client.post("/profiles", json=body)
        response.raise_for_status()
        person_id = str(response.json()["id"])
        self.emails[person_id] = body["email"]
        return person_id

    async def add_via_ingress(
        self, name: str, birth_year: int, offers: dict[str, Any], wants: dict[str, Any]
    ) -> str:
        person_id = f"{self.id}-{name.lower()}"
        row = self._fields(name, birth_year, offers, wants).model_dump(mode="json") | {
            "id": person_id
        }
        command = ops.upsert_command(row, producer="hr-sync")
        await ops.publish_updates(
            self.system.config.kafka_bootstrap_servers, self.topics.profile_updates, [command]
        )
        self.emails[person_id] = row["email"]
        return person_id

    def _fields(
        self, name: str, birth_year: int, offers: dict[str, Any], wants: dict[str, Any]
    ) -> Any:
        return profile_fields(
            program_id=self.id,
            name=name,
            email=f"{name.lower()}.{self.id}@example.org",
            birth_year=birth_year,
            skills_offered=offers,
            skills_wanted=wants,
            department=f"dept-{name}",
        )

    def _client(self, service: str) -> httpx.AsyncClient:
        headers = {"X-API-Key": self.system.config.api_key}
        return httpx.AsyncClient(
            base_url=self.system.config.url(service), headers=headers, timeout=10
        )

    async def delete(self, person_id: str) -> None:
        async with self._client("profiles") as client:
            (await client.delete(f"/profiles/{person_id}")).raise_for_status()

    async def decline(self, pairing_id: str, person_id: str) -> None:
        answer = PairingAnswer(
            pairing_id=pairing_id, person_id=person_id, decision="decline", reason="not a fit"
        )
        command = RespondToPairing(producer="e2e", data=answer)
        producer = AIOKafkaProducer(bootstrap_servers=self.system.config.kafka_bootstrap_servers)
        await producer.start()
        try:
            await producer.send_and_wait(
                self.topics.pairing_responses, encode(command), key=pairing_id.encode()
            )
        finally:
            await producer.stop()

    async def histories(self) -> dict[str, list[PairingEvent]]:
        everything = await ops.pairing_histories(
            self.system.config.kafka_bootstrap_servers, self.topics.pairings
        )
        return {
            pid: events
            for pid, events in everything.items()
            if events[0].data.program_id == self.id
        }

    async def live_pairings(self) -> dict[str, PairingProposed]:
        return {
            pid: events[0]
            for pid, events in (await self.histories()).items()
            if isinstance(events[0], PairingProposed)
            and not isinstance(events[-1], PairingCancelled)
        }

    def mail_for(self, person_id: str) -> list[Received]:
        return [
            r
            for r in received(self.system.config.mail_dir)
            if r.recipient == self.emails[person_id]
        ]


def _partner_of(pairing: PairingProposed, person_id: str) -> str:
    data = pairing.data
    return data.older.id if data.younger.id == person_id else data.younger.id


def _pairing_of(live: dict[str, PairingProposed], person_id: str) -> PairingProposed | None:
    return next(
        (p for p in live.values() if person_id in (p.data.younger.id, p.data.older.id)), None
    )


async def test_profiles_from_api_and_ingress_are_paired_and_both_people_get_an_invite(
    system: System, unique: str
) -> None:
    program = Program(system, unique)
    young = [
        await program.add_via_api("Mia", 1999, YOUNG, OLD),
        await program.add_via_ingress("Noah", 2000, YOUNG, OLD),
    ]
    old = [
        await program.add_via_ingress("Greta", 1961, OLD, YOUNG),
        await program.add_via_api("Otto", 1958, OLD, YOUNG),
    ]

    live = await eventually(
        lambda: _when(program.live_pairings(), lambda p: len(p) == 2 and p), within=90
    )

    assert {p.data.younger.id for p in live.values()} == set(young)
    assert {p.data.older.id for p in live.values()} == set(old)
    for pairing in live.values():
        pair = {pairing.data.younger.id, pairing.data.older.id}
        for person in pair:
            invites = await eventually(
                lambda person=person: [
                    r for r in program.mail_for(person) if r.method == "REQUEST"
                ],
                within=60,
            )
            assert len(invites) == 1
            assert invites[0].attendees == {program.emails[p] for p in pair}


async def test_a_decline_leads_to_a_new_pairing_and_new_emails(system: System, unique: str) -> None:
    program = Program(system, unique)
    mia = await program.add_via_api("Mia", 1999, YOUNG, OLD)
    for name, year in [("Greta", 1961), ("Otto", 1958)]:
        await program.add_via_ingress(name, year, OLD, YOUNG)
    first = await eventually(
        lambda: _when(program.live_pairings(), lambda p: _pairing_of(p, mia)), within=90
    )
    declined_partner = _partner_of(first, mia)

    await program.decline(first.data.pairing_id, mia)

    second = await eventually(
        lambda: _when(
            program.live_pairings(),
            lambda p: (
                (q := _pairing_of(p, mia)) and q.data.pairing_id != first.data.pairing_id and q
            ),
        ),
        within=90,
    )
    assert _partner_of(second, mia) != declined_partner
    cancels = await eventually(
        lambda: [r for r in program.mail_for(declined_partner) if r.method == "CANCEL"], within=60
    )
    assert cancels[0].uid == next(
        r.uid for r in program.mail_for(declined_partner) if r.method == "REQUEST"
    )
    new_partner = _partner_of(second, mia)
    assert await eventually(
        lambda: [r for r in program.mail_for(new_partner) if r.method == "REQUEST"], within=60
    )
    assert len([r for r in program.mail_for(mia) if r.method == "REQUEST"]) == 2


async def test_deleting_a_person_cancels_their_pairing_and_rematches_the_partner(
    system: System, unique: str
) -> None:
    program = Program(system, unique)
    mia = await program.add_via_api("Mia", 1999, YOUNG, OLD)
    for name, year in [("Greta", 1961), ("Otto", 1958)]:
        await program.add_via_api(name, year, OLD, YOUNG)
    first = await eventually(
        lambda: _when(program.live_pairings(), lambda p: _pairing_of(p, mia)), within=90
    )
    gone = _partner_of(first, mia)

    await program.delete(gone)

    for person in (mia, gone):
        cancel = await eventually(
            lambda person=person: [r for r in program.mail_for(person) if r.method == "CANCEL"],
            within=60,
        )
        request = next(
            r for r in program.mail_for(person) if r.method == "REQUEST" and r.uid == cancel[0].uid
        )
        assert cancel[0].sequence > request.sequence
    again = await eventually(
        lambda: _when(
            program.live_pairings(),
            lambda p: (
                (q := _pairing_of(p, mia)) and q.data.pairing_id != first.data.pairing_id and q
            ),
        ),
        within=90,
    )
    assert _partner_of(again, mia) not in (gone,)
    assert await eventually(
        lambda: len([r for r in program.mail_for(mia) if r.method == "REQUEST"]) == 2, within=60
    )


async def test_calendar_replies_from_both_people_make_their_pairing_active(
    system: System, unique: str
) -> None:
    program = Program(system, unique)
    mia = await program.add_via_api("Mia", 1999, YOUNG, OLD)
    greta = await program.add_via_ingress("Greta", 1961, OLD, YOUNG)
    pairing = await eventually(
        lambda: _when(program.live_pairings(), lambda p: _pairing_of(p, mia)), within=90
    )
    invites = await eventually(
        lambda: [r for r in program.mail_for(mia) if r.method == "REQUEST"], within=60
    )

    for person in (mia, greta):
        answer = reply_email(invites[0].uid, program.emails[person])
        await deliver_lmtp(system.config.inbound_port, answer)

    history = await eventually(
        lambda: _when(
            program.histories(),
            lambda h: (
                (events := h.get(pairing.data.pairing_id, []))
                and isinstance(events[-1], PairingActivated)
                and events
            ),
        ),
        within=60,
    )
    assert history[0].event_type == "pairing.proposed"


async def _when(pending: Any, pick: Any) -> Any:
    """Await `pending` and apply `pick` to the result (for use inside `eventually`)."""
    return pick(await pending)


async def test_a_program_record_put_through_the_api_addresses_its_pairings_emails(
    system: System, unique: str, mongo_uri: str
) -> None:
    program = Program(system, unique)
    body = program_body(
        name=f"Program {unique}",
        sender=f"mentoring-{unique}@example.org",
        schedule={"mode": "continuous", "settle_minutes": 0},
    )
    async with program._client("profiles") as client:
        (await client.put(f"/programs/{program.id}", json=body)).raise_for_status()
    notifier_db = f"{system.config.database_prefix}notifier"
    client = mongo_client(mongo_uri)
    try:
        stored = client[notifier_db]["programs"]
        await eventually(lambda: stored.find_one({"_id": program.id}), within=60)
    finally:
        await client.close()

    mia = await program.add_via_api("Mia", 1999, YOUNG, OLD)
    await program.add_via_ingress("Greta", 1961, OLD, YOUNG)

    [path] = await eventually(lambda: _mail_files(system, program.emails[mia]), within=90)
    message = email.message_from_bytes(path.read_bytes())
    assert message["From"] == f"Program {unique} <mentoring-{unique}@example.org>"
    invite = _calendar(message)
    assert invite is not None
    organizer = next(iter(invite.walk("VEVENT")))["ORGANIZER"]
    assert str(organizer) == f"mailto:mentoring-{unique}@example.org"


def _mail_files(system: System, recipient: str) -> list[Path]:
    return [p for p in system.config.mail_dir.glob("*.eml") if p.name.endswith(f"-{recipient}.eml")]
