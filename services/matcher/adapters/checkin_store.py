"""Check-in answers in MongoDB (`checkin_answers`): per (pairing, check-in, person) one document,
`_id` = `<pairing>#<checkin>#<person>`, holding the current answer, its `revision` and the
earlier revisions in `history`.

The first answer is an insert; each change after it is a point update fenced on `revision`
(`shared.fence`), so of two writers from the same revision only one moves it on. An answer that
says what the current one says changes nothing. `for_program` is the report's read (a scan).
"""

from collections.abc import Collection
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import OperationFailure

from services.matcher.adapters.mongo_reads import find_by_ids
from services.matcher.usecases.followup_ports import Answered, answer_id
from shared.checkins import CheckinAnswer
from shared.errors import StoreUnavailable
from shared.fence import Fenced, Write
from shared.mongo import Document, idempotent, is_unique_violation, store_errors

ATTEMPTS = 5


class MongoCheckinAnswers:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._answers = db["checkin_answers"]
        self._changes = Fenced(self._answers, db["checkin_answer_fences"], field="revision")

    async def ensure_indexes(self) -> None:
        with store_errors():
            await self._answers.create_index("program_id")
        await self._changes.prepare()

    async def record(self, answer: CheckinAnswer) -> Answered:
        key = answer_id(answer.pairing_id, answer.checkin_id, answer.person_id)
        for _ in range(ATTEMPTS):  # another writer moved it on meanwhile: compare again
            found = await self.current([key])
            current = found.get(key)
            if current is not None and _said(current) == _said(answer):
                return Answered(current, changed=False)
            revision = 1 if current is None else current.revision + 1
            new = answer.model_copy(update={"revision": revision})
            if await self._store(key, new, current):
                return Answered(new, changed=True)
        raise StoreUnavailable("check-in answer kept moving on")

    async def _store(self, key: str, new: CheckinAnswer, current: CheckinAnswer | None) -> bool:
        doc = new.model_dump(mode="json") | {"answered_at": new.answered_at}
        if current is None:
            try:
                with store_errors():
                    await self._answers.insert_one({"_id": key} | doc | {"history": []})
            except OperationFailure as exc:
                if not is_unique_violation(exc):
                    raise
                return False  # answered meanwhile (or an earlier try of this one): read again
            return True
        earlier = current.model_dump(mode="json") | {"answered_at": current.answered_at}
        update = {"$set": doc, "$push": {"history": earlier}}
        change = Write(key=key, expected=current.revision, new=new.revision, update=update)
        return await self._changes.write(change)

    @idempotent
    async def current(self, ids: Collection[str]) -> dict[str, CheckinAnswer]:
        with store_errors():
            docs = await find_by_ids(self._answers, ids)
        return {doc["_id"]: _answer(doc) for doc in docs}

    @idempotent
    async def for_program(self, program_id: str) -> list[CheckinAnswer]:
        with store_errors():
            docs = [doc async for doc in self._answers.find({"program_id": program_id})]
        return sorted(
            (_answer(doc) for doc in docs), key=lambda a: (a.pairing_id, a.checkin_id, a.person_id)
        )


def _said(answer: CheckinAnswer) -> tuple[Any, ...]:
    return (answer.met, sorted(answer.learned), answer.learned_text, answer.usefulness)


def _answer(doc: Document) -> CheckinAnswer:
    return CheckinAnswer.model_validate({k: v for k, v in doc.items() if k != "history"})
