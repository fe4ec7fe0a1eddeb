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

Only conditional single-document updates and the `_id` unique index are used, so FerretDB v1
behaves like MongoDB. Measured on FerretDB v1: reads by `_id` and inserts stay at about 2 ms,
but every update scans the collection (about 2 ms at 100 records, 35 ms at 5,000), so the
notifier reads by `_id` and never queries with `$in`.
"""

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Protocol
from uuid import uuid4

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError, PyMongoError

from services.notifier.compose import NotificationKey, Schedule
from services.notifier.errors import ClaimHeld
from shared.events import NotificationFailed, NotificationSent
from shared.mongo import Document, insert_markers, store_errors


class NotificationStore(Protocol):
    """Where the notifier keeps what it has sent; every method is idempotent."""

    async def keep_schedule(self, schedule: Schedule) -> Schedule:
        """Store the schedule unless the pairing has one; return the stored one (first wins)."""
        ...

    async def find_schedule(self, pairing_id: str) -> Schedule | None: ...

    async def claim(self, key: NotificationKey, *, now: datetime, lease: timedelta) -> str | None:
        """A token if this attempt may send; None if the notification is already finished.
        Raises `ClaimHeld` while another attempt's claim is younger than `lease`."""
        ...

    async def release(self, key: NotificationKey, token: str) -> None:
        """Give the claim back after a failure that certainly delivered nothing."""
        ...

    async def finish(
        self, key: NotificationKey, token: str, event: NotificationSent | NotificationFailed
    ) -> bool:
        """Record the outcome with its event to publish; False if the claim was taken over."""
        ...

    async def unpublished(self, keys: Sequence[NotificationKey]) -> list[str]:
        """The outbox events (JSON) of these notifications not yet marked published, in order."""
        ...

    async def mark_published(self, keys: Sequence[NotificationKey]) -> None:
        """Mark these notifications' events as published."""
        ...

    async def ping(self) -> bool: ...


class MongoNotificationStore:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._notifications = db["notifications"]
        self._schedules = db["schedules"]
        self._outcomes = db["outcomes"]
        self._published = db["published"]

    async def keep_schedule(self, schedule: Schedule) -> Schedule:
        doc = {"_id": schedule.pairing_id, "sequence": schedule.sequence}
        doc |= {"timezone": schedule.timezone, "start": schedule.start, "end": schedule.end}
        with store_errors():
            try:
                await self._schedules.insert_one(doc)
                return schedule
            except DuplicateKeyError:
                stored = await self.find_schedule(schedule.pairing_id)
        return stored or schedule

    async def find_schedule(self, pairing_id: str) -> Schedule | None:
        with store_errors():
            doc = await self._schedules.find_one({"_id": pairing_id})
        if doc is None:
            return None
        fields = ("sequence", "timezone", "start", "end")
        return Schedule(pairing_id=pairing_id, **{name: doc[name] for name in fields})

    async def claim(self, key: NotificationKey, *, now: datetime, lease: timedelta) -> str | None:
        token = uuid4().hex
        with store_errors():
            try:
                await self._notifications.insert_one(_claimed(key, token, now))
                return token
            except DuplicateKeyError:
                if await self._outcomes.find_one({"_id": key.id}) is not None:
                    return None
                doc = await self._notifications.find_one({"_id": key.id})
            if doc is not None and (
                doc["status"] == "released" or doc["claimed_at"] <= now - lease
            ):
                taken = await self._notifications.update_one(
                    {
                        "_id": key.id,
                        "token": doc["token"],
                        "status": {"$in": ["sending", "released"]},
                    },
                    {
                        "$set": {"status": "sending", "token": token, "claimed_at": now},
                        "$inc": {"claims": 1},
                    },
                )
                if taken.modified_count == 1:
                    return token
        raise ClaimHeld(key.id)

    async def release(self, key: NotificationKey, token: str) -> None:
        with store_errors():
            await self._notifications.update_one(
                {"_id": key.id, "token": token, "status": "sending"},
                {"$set": {"status": "released"}},
            )

    async def finish(
        self, key: NotificationKey, token: str, event: NotificationSent | NotificationFailed
    ) -> bool:
        status = "sent" if isinstance(event, NotificationSent) else "failed"
        outcome: Document = {"_id": key.id, "status": status, "token": token}
        outcome |= {"detail": event.data.detail}
        outcome |= {"finished_at": event.occurred_at, "event": event.model_dump_json()}
        with store_errors():
            claim = await self._notifications.find_one({"_id": key.id})
            if claim is None or claim["token"] != token or claim["status"] != "sending":
                return False
            try:
                await self._outcomes.insert_one(outcome)
            except DuplicateKeyError:
                return False
        return True

    async def unpublished(self, keys: Sequence[NotificationKey]) -> list[str]:
        # One `_id` lookup per key: FerretDB v1 answers `_id` equality from its index but scans
        # the whole collection for `$in`.
        events = []
        with store_errors():
            for key in keys:
                doc = await self._outcomes.find_one({"_id": key.id})
                if doc is None:
                    continue
                if await self._published.find_one({"_id": key.id}) is None:
                    events.append(str(doc["event"]))
        return events

    async def mark_published(self, keys: Sequence[NotificationKey]) -> None:
        with store_errors():
            await insert_markers(self._published, [key.id for key in keys])

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
    }
