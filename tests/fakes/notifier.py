"""Fakes for the notifier's ports: a recording mailer, an in-memory store, a recording publisher."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any
from uuid import uuid4

from pydantic import TypeAdapter

from services.notifier.compose import Invitation, NotificationKey, Schedule
from services.notifier.errors import ClaimHeld
from services.notifier.mailer import Mailer
from services.notifier.store import NotificationStore
from shared.events import NotificationEvent, NotificationFailed, NotificationSent
from shared.publisher import Message, Publisher

_EVENTS: TypeAdapter[NotificationSent | NotificationFailed] = TypeAdapter(NotificationEvent)


@dataclass
class FakeMailer:
    """Records what it sends; raises the queued `failures` first, one per call."""

    sent: list[EmailMessage] = field(default_factory=list)
    failures: list[Exception] = field(default_factory=list)
    calls: int = 0

    async def send(self, message: EmailMessage) -> None:
        self.calls += 1
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append(message)

    def recipients(self) -> list[str]:
        return [m["To"].addresses[0].addr_spec for m in self.sent]


@dataclass
class FakeStore:
    """The store's contract in memory. `crash_on` names a method that raises once, as a crash."""

    records: dict[str, dict[str, Any]] = field(default_factory=dict)
    schedules: dict[str, Schedule] = field(default_factory=dict)
    invitations: dict[str, Invitation] = field(default_factory=dict)
    unsubscribed_at: dict[str, datetime] = field(default_factory=dict)
    crash_on: str | None = None

    def _maybe_crash(self, method: str) -> None:
        if self.crash_on == method:
            self.crash_on = None
            raise RuntimeError(f"crash in {method}")

    async def keep_schedule(self, schedule: Schedule) -> Schedule:
        return self.schedules.setdefault(schedule.pairing_id, schedule)

    async def find_schedule(self, pairing_id: str) -> Schedule | None:
        return self.schedules.get(pairing_id)

    async def keep_invitation(self, invitation: Invitation) -> None:
        self._maybe_crash("keep_invitation")
        self.invitations.setdefault(invitation.uid, invitation)

    async def find_invitation(self, uid: str) -> Invitation | None:
        return self.invitations.get(uid)

    async def claim(self, key: NotificationKey, *, now: datetime, lease: timedelta) -> str | None:
        token, record = uuid4().hex, self.records.get(key.id)
        if record is None:
            self.records[key.id] = {
                "status": "sending",
                "token": token,
                "claimed_at": now,
                "claims": 1,
            }
            return token
        if record["status"] in ("sent", "failed"):
            return None
        if record["status"] == "released" or record["claimed_at"] <= now - lease:
            record.update(
                status="sending", token=token, claimed_at=now, claims=record["claims"] + 1
            )
            return token
        raise ClaimHeld(key.id)

    async def release(self, key: NotificationKey, token: str) -> None:
        record = self.records[key.id]
        if record["token"] == token and record["status"] == "sending":
            record["status"] = "released"

    async def finish(
        self,
        key: NotificationKey,
        token: str,
        event: NotificationSent | NotificationFailed,
        *,
        fresh: bool = False,
    ) -> bool:
        """Checks the claim even when `fresh`: in memory the check costs nothing."""
        self._maybe_crash("finish")
        record = self.records[key.id]
        if record["token"] != token or record["status"] != "sending":
            return False
        status = "sent" if isinstance(event, NotificationSent) else "failed"
        record.update(status=status, event=event.model_dump_json(), published=False)
        return True

    async def unpublished(self, keys: Sequence[NotificationKey]) -> list[str]:
        found = (self.records.get(key.id, {}) for key in keys)
        return [r["event"] for r in found if r.get("published") is False]

    async def mark_published(self, keys: Sequence[NotificationKey]) -> None:
        self._maybe_crash("mark_published")
        for key in keys:
            self.records[key.id]["published"] = True

    async def ping(self) -> bool:
        return True

    async def unsubscribe(self, person_id: str, *, at: datetime) -> None:
        self.unsubscribed_at.setdefault(person_id, at)

    async def unsubscribed(self, person_id: str) -> bool:
        return person_id in self.unsubscribed_at


@dataclass
class FakePublisher:
    published: list[tuple[str, NotificationSent | NotificationFailed]] = field(default_factory=list)
    failures: int = 0

    async def publish(self, message: Message) -> None:
        """Records the key and the event decoded (a `Publisher`)."""
        if self.failures:
            self.failures -= 1
            raise ConnectionError("broker down")
        event = _EVENTS.validate_json(message.value or b"")
        self.published.append((message.key.decode(), event))

    def types(self) -> list[str]:
        return [event.event_type for _, event in self.published]


# Each fake stands in for a port: these lines make mypy check that it still fits.
_mailer: Mailer = FakeMailer()
_store: NotificationStore = FakeStore()
_publisher: Publisher = FakePublisher()
