"""A read model of program records in MongoDB: the latest record of every program, by id, as a
consumer of `programs.changes.v1` keeps it (the matcher and the notifier each in their own
database).

A new program is an insert; a newer record is a point update fenced on `version`
(`shared.fence`), so of two replicas applying the same change only one writes it, and a replayed
older record never overwrites a newer one. Reads are point reads by `_id`, except `every`, which
reads the few program documents there are.
"""

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from shared.fence import Fenced, Write
from shared.mongo import Document, idempotent, store_errors
from shared.programs import ProgramSnapshot


class MongoProgramRecords:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._programs = db["programs"]
        self._changes = Fenced(self._programs, db["program_fences"], field="version")

    async def ensure_indexes(self) -> None:
        await self._changes.prepare()

    async def apply(self, snapshot: ProgramSnapshot) -> bool:
        """True when the stored record is now this version: stored by this call, or a replay of
        the stored one (so a crash after the write is repaired by the redelivery)."""
        doc = {"version": snapshot.version, "record": snapshot.model_dump(mode="json")}
        with store_errors():
            current = await self._programs.find_one({"_id": snapshot.id}, {"version": 1})
            if current is None:
                try:
                    await self._programs.insert_one({"_id": snapshot.id} | doc)
                except DuplicateKeyError:  # another replica stored one first: compare with it
                    return await self.apply(snapshot)
                return True
            if current["version"] >= snapshot.version:
                return bool(current["version"] == snapshot.version)
            change = Write(
                key=snapshot.id,
                expected=current["version"],
                new=snapshot.version,
                update={"$set": doc},
            )
            return await self._changes.write(change)

    @idempotent
    async def get(self, program_id: str) -> ProgramSnapshot | None:
        with store_errors():
            doc = await self._programs.find_one({"_id": program_id})
        return ProgramSnapshot.model_validate(doc["record"]) if doc else None

    @idempotent
    async def every(self) -> list[ProgramSnapshot]:
        with store_errors():
            return [
                ProgramSnapshot.model_validate(doc["record"])
                async for doc in self._programs.find({})
            ]
