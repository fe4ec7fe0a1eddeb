"""A person's email preferences: the `Preferences` port and its Mongo adapter.

`email_preferences`, `_id` = person id: present once the person unsubscribed from reminders
(`reminders: false`, `unsubscribed_at`). Reminders and nudges to them are recorded as not sent;
every other email still goes. Only point reads and writes by `_id` (see `store.py` for why).
"""

from datetime import datetime
from typing import Protocol

from pymongo.asynchronous.database import AsyncDatabase

from shared.mongo import Document, idempotent


class Preferences(Protocol):
    async def unsubscribe(self, person_id: str, *, at: datetime) -> None:
        """Stop the person's reminders and nudges (again: no change)."""
        ...

    async def unsubscribed(self, person_id: str) -> bool: ...


class MongoPreferences:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._people = db["email_preferences"]

    @idempotent
    async def unsubscribe(self, person_id: str, *, at: datetime) -> None:
        """Repeatable: an upsert by `_id` that keeps the first time."""
        await self._people.update_one(
            {"_id": person_id},
            {"$set": {"reminders": False}, "$setOnInsert": {"unsubscribed_at": at}},
            upsert=True,
        )

    @idempotent
    async def unsubscribed(self, person_id: str) -> bool:
        """A read."""
        doc = await self._people.find_one({"_id": person_id})
        return doc is not None and doc.get("reminders") is False
