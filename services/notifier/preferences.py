"""What shapes an email beyond its event: a person's preference (unsubscribed from reminders) and
a program's (the invite's alarm). The `Preferences` port and its Mongo adapter.

- `email_preferences`, `_id` = person id: present once the person unsubscribed from reminders
  (`reminders: false`, `unsubscribed_at`). Reminders and nudges to them are recorded as not
  sent; every other email still goes.
- `programs`, `_id` = program id: the version and `alarm_minutes_before` of the latest
  `program.changed` seen (the topic is compacted and read from its start, so every program is
  there; a pairing of a program not seen yet gets the deployment's default alarm).

Only point reads and writes by `_id` (see `store.py` for why).
"""

from datetime import datetime
from typing import Protocol

from pymongo.asynchronous.database import AsyncDatabase

from shared.mongo import Document, idempotent
from shared.programs import ProgramSnapshot


class Preferences(Protocol):
    async def unsubscribe(self, person_id: str, *, at: datetime) -> None:
        """Stop the person's reminders and nudges (again: no change)."""
        ...

    async def unsubscribed(self, person_id: str) -> bool: ...

    async def keep_program(self, program: ProgramSnapshot) -> bool:
        """Store what the emails need of a program, unless a later version is stored."""
        ...

    async def alarm_minutes(self, program_id: str) -> int | None:
        """The program's alarm lead; None when it sets none or is not known here."""
        ...


class MongoPreferences:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._people = db["email_preferences"]
        self._programs = db["programs"]

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

    @idempotent
    async def keep_program(self, program: ProgramSnapshot) -> bool:
        """Repeatable: the same version writes the same document. The topic is keyed by program
        id, so one program's changes arrive in order, one at a time."""
        stored = await self._programs.find_one({"_id": program.id})
        if stored is not None and stored["version"] > program.version:
            return False
        doc = {"version": program.version, "alarm_minutes_before": program.alarm_minutes_before}
        await self._programs.replace_one({"_id": program.id}, doc, upsert=True)
        return True

    @idempotent
    async def alarm_minutes(self, program_id: str) -> int | None:
        """A read."""
        doc = await self._programs.find_one({"_id": program_id})
        minutes = doc.get("alarm_minutes_before") if doc else None
        return int(minutes) if minutes is not None else None
