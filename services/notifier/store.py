"""Notification records and meeting schedules: the `NotificationStore` port and its Mongo adapter.

A notification's claim (`notifications`, `_id` = "<pairing>:<state>:<recipient>") is `sending`
(with a token and `claimed_at`) or `released` (a transient failure: nothing was delivered, claim
it again). Its outcome is a document of its own under the same `_id` in `outcomes`: `sent` or
`failed`, with the `NotificationSent`/`NotificationFailed` event to publish (the outcome and its
event are one single-document write, and the unique `_id` lets only one attempt record an
outcome). Once the event is published, a marker with that `_id` is inserted into `published`.
Outcomes and markers are inserts, not updates, because on FerretDB v1 an insert costs the same at
any size while an update scans the whole collection. A claim stuck in `sending` past its lease
(its holder died) is taken over; see `notify.py` for what that means.

A claim changes (taken over, released) through `shared.fence`: a unique fence insert per
`version` of the claim guards it, because FerretDB v1 answers a conditional update by reading the
whole collection, and not atomically. Only point operations, inserts and the `_id` unique index
are used, so FerretDB v1 behaves like MongoDB. On FerretDB v1 reads by `_id` and inserts cost about 1 ms at any size, and
anything but a lone `_id` filter scans the collection, so the notifier reads by `_id` and never
queries with `$in`. The inserts of schedules, claims, outcomes and markers go through `Inserts`:
the pairing events of one poll, handled concurrently, share each `insert_many`.

Every method is retried in place after a transient store error (`shared.mongo.idempotent`); each
says why repeating it is safe. A claim's token is drawn once per call, outside the retries, so a
try that stored it but lost the answer is recognised by its token.
"""

import asyncio
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Protocol
from uuid import uuid4

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import PyMongoError

from services.notifier.compose import Invitation, NotificationKey, Schedule
from services.notifier.errors import ClaimHeld
from services.notifier.preferences import MongoPreferences, Preferences
from shared.events import NotificationFailed, NotificationSent
from shared.fence import Fenced, Write
from shared.inserts import Inserts
from shared.mongo import Document, idempotent


class NotificationStore(Preferences, Protocol):
    """Where the notifier keeps what it has sent, and the preferences that shape what it sends;
    every method is idempotent."""

    async def keep_schedule(self, schedule: Schedule) -> Schedule:
        """Store the schedule unless the pairing has one; return the stored one (first wins)."""
        ...

    async def find_schedule(self, pairing_id: str) -> Schedule | None: ...

    async def keep_invitation(self, invitation: Invitation) -> None:
        """Remember who an invite UID was sent to (a calendar reply is checked against it)."""
        ...

    async def find_invitation(self, uid: str) -> Invitation | None: ...

    async def claim(self, key: NotificationKey, *, now: datetime, lease: timedelta) -> str | None:
        """A token if this attempt may send; None if the notification is already finished.
        Raises `ClaimHeld` while another attempt's claim is younger than `lease`."""
        ...

    async def release(self, key: NotificationKey, token: str) -> None:
        """Give the claim back after a failure that certainly delivered nothing."""
        ...

    async def finish(
        self,
        key: NotificationKey,
        token: str,
        event: NotificationSent | NotificationFailed,
        *,
        fresh: bool = False,
    ) -> bool:
        """Record the outcome with its event to publish; False if the claim was taken over.
        `fresh`: the caller made its claim less than half a lease ago, so no take-over can
        have happened yet (one waits for the whole lease) and the claim need not be read."""
        ...

    async def unpublished(self, keys: Sequence[NotificationKey]) -> list[str]:
        """The outbox events (JSON) of these notifications not yet marked published, in order."""
        ...

    async def mark_published(self, keys: Sequence[NotificationKey]) -> None:
        """Mark these notifications' events as published."""
        ...

    async def ping(self) -> bool: ...


class MongoNotificationStore(MongoPreferences):
    """The notifier's one database; the preferences' part lives in `preferences.py`."""

    def __init__(self, db: AsyncDatabase[Document]) -> None:
        super().__init__(db)
        self._notifications = db["notifications"]
        self._schedules = db["schedules"]
        self._outcomes = db["outcomes"]
        self._published = db["published"]
        self._invitations = db["invitations"]
        self._new_invitations = Inserts(self._invitations)
        self._new_claims = Inserts(self._notifications)
        self._claims = Fenced(self._notifications, db["notification_fences"], field="version")
        self._new_schedules = Inserts(self._schedules)
        self._new_outcomes = Inserts(self._outcomes)
        self._new_markers = Inserts(self._published)

    @idempotent
    async def keep_schedule(self, schedule: Schedule) -> Schedule:
        """Repeatable: an insert by pairing id, and on a duplicate the stored schedule wins."""
        doc = {"_id": schedule.pairing_id, "sequence": schedule.sequence, "uid": schedule.uid}
        doc |= {"timezone": schedule.timezone, "start": schedule.start, "end": schedule.end}
        if await self._new_schedules.insert(doc):
            return schedule
        return await self._schedule(schedule.pairing_id) or schedule

    @idempotent
    async def find_schedule(self, pairing_id: str) -> Schedule | None:
        """A read."""
        return await self._schedule(pairing_id)

    async def _schedule(self, pairing_id: str) -> Schedule | None:
        doc = await self._schedules.find_one({"_id": pairing_id})
        if doc is None:
            return None
        fields = ("sequence", "timezone", "start", "end", "uid")
        return Schedule(pairing_id=pairing_id, **{name: doc[name] for name in fields})

    @idempotent
    async def keep_invitation(self, invitation: Invitation) -> None:
        """Repeatable: an insert by UID; the first one stored stays."""
        attendees = [
            {"person_id": person, "email": email} for person, email in invitation.attendees
        ]
        doc = {"_id": invitation.uid, "pairing_id": invitation.pairing_id, "attendees": attendees}
        await self._new_invitations.insert(doc)

    @idempotent
    async def find_invitation(self, uid: str) -> Invitation | None:
        """A read."""
        doc = await self._invitations.find_one({"_id": uid})
        if doc is None:
            return None
        attendees = tuple((str(a["person_id"]), str(a["email"])) for a in doc["attendees"])
        return Invitation(uid=uid, pairing_id=doc["pairing_id"], attendees=attendees)

    async def claim(self, key: NotificationKey, *, now: datetime, lease: timedelta) -> str | None:
        return await self._claim(key, uuid4().hex, now=now, lease=lease)

    @idempotent
    async def _claim(
        self, key: NotificationKey, token: str, *, now: datetime, lease: timedelta
    ) -> str | None:
        """Repeatable for one token: a claim found holding it was stored by an earlier try of
        this call (an insert, or a take-over conditional on the token it replaced)."""
        if await self._new_claims.insert(_claimed(key, token, now)):
            return token
        if await self._outcomes.find_one({"_id": key.id}) is not None:
            return None
        doc = await self._notifications.find_one({"_id": key.id})
        if doc is not None and doc["token"] == token:
            return token
        if doc is not None and (doc["status"] == "released" or doc["claimed_at"] <= now - lease):
            change = {"status": "sending", "token": token, "claimed_at": now}
            if await self._claims.write(_next(doc, {"$set": change, "$inc": {"claims": 1}})):
                return token
        raise ClaimHeld(key.id)

    @idempotent
    async def release(self, key: NotificationKey, token: str) -> None:
        """Repeatable: only a claim that still holds the token and is sending is released,
        which a done release is not."""
        doc = await self._notifications.find_one({"_id": key.id})
        if doc is not None and doc["token"] == token and doc["status"] == "sending":
            await self._claims.write(_next(doc, {"$set": {"status": "released"}}))

    @idempotent
    async def finish(
        self,
        key: NotificationKey,
        token: str,
        event: NotificationSent | NotificationFailed,
        *,
        fresh: bool = False,
    ) -> bool:
        """Repeatable: an outcome stored already that carries this token is this call's own.
        Whatever is read, the outcome's unique `_id` lets only one attempt record it."""
        status = "sent" if isinstance(event, NotificationSent) else "failed"
        outcome: Document = {"_id": key.id, "status": status, "token": token}
        outcome |= {"detail": event.data.detail}
        outcome |= {"finished_at": event.occurred_at, "event": event.model_dump_json()}
        if not fresh:
            claim = await self._notifications.find_one({"_id": key.id})
            if claim is None or claim["token"] != token or claim["status"] != "sending":
                return False
        if await self._new_outcomes.insert(outcome):
            return True
        stored = await self._outcomes.find_one({"_id": key.id})
        return stored is not None and stored["token"] == token

    @idempotent
    async def unpublished(self, keys: Sequence[NotificationKey]) -> list[str]:
        """Reads. One `_id` lookup per key: FerretDB v1 answers `_id` equality from its index
        but scans the whole collection for `$in`."""
        events = []
        for key in keys:
            doc = await self._outcomes.find_one({"_id": key.id})
            if doc is None:
                continue
            if await self._published.find_one({"_id": key.id}) is None:
                events.append(str(doc["event"]))
        return events

    @idempotent
    async def mark_published(self, keys: Sequence[NotificationKey]) -> None:
        """Repeatable: a marker stored already is as good as a new one."""
        await asyncio.gather(*(self._new_markers.insert({"_id": key.id}) for key in keys))

    async def ping(self) -> bool:
        try:
            await self._notifications.database.command("ping")
        except PyMongoError:
            return False
        return True


def _claimed(key: NotificationKey, token: str, now: datetime) -> Document:
    return {
        "_id": key.id,
        "pairing_id": key.pairing_id,
        "state": key.state,
        "recipient_id": key.recipient_id,
        "status": "sending",
        "token": token,
        "claimed_at": now,
        "claims": 1,
        "version": 1,
    }


def _next(claim: Document, update: Document) -> Write:
    """A change of a claim from the version read: its take-over or its release."""
    version = int(claim["version"])
    update["$set"] = update["$set"] | {"version": version + 1}
    return Write(key=claim["_id"], expected=version, new=version + 1, update=update)
