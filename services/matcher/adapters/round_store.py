"""Round records in MongoDB (`rounds`, `_id` = round id): an insert, a read and an update by
`_id`, all point operations. The insert's unique `_id` is what lets a round be solved once
(`usecases.round_log`). The plan is kept as two lists, the younger and the older of each pair:
FerretDB v1 stores no arrays within arrays."""

from datetime import datetime

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from services.matcher.usecases.round_log import RoundRecord
from shared.mongo import Document, idempotent, store_errors


class MongoRounds:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._rounds = db["rounds"]

    async def ensure_indexes(self) -> None:
        """Nothing beyond `_id`: every access is by id."""

    @idempotent
    async def get(self, round_id: str) -> RoundRecord | None:
        with store_errors():
            doc = await self._rounds.find_one({"_id": round_id})
        if doc is None:
            return None
        pairs = list(zip(doc.pop("younger"), doc.pop("older"), strict=True))
        return RoundRecord.model_validate(doc | {"id": doc["_id"], "pairs": pairs})

    async def plan(self, record: RoundRecord) -> bool:
        doc = record.model_dump(exclude={"id", "pairs"}) | {
            "_id": record.id,
            "younger": [y for y, _ in record.pairs],
            "older": [o for _, o in record.pairs],
        }
        try:
            with store_errors():
                await self._rounds.insert_one(doc)
        except DuplicateKeyError:
            return False
        return True

    @idempotent
    async def finish(self, round_id: str, *, proposed: int, at: datetime) -> None:
        done = {"state": "done", "proposed": proposed, "finished_at": at}
        with store_errors():
            await self._rounds.update_one({"_id": round_id}, {"$set": done})
