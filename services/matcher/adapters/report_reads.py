"""What the program report reads beyond the people and pairings: the check-in answers and the
flags raised on pairings, a program at a time.

Both ask by program (a scan on the local store), like the preview: an operator's action, never a
per-event path. A check-in answer document (`checkin_answers`, `_id` = `<pairing>#<checkin>#
<person>`) holds the current answer, with its earlier revisions beside it; only the current one
is read here.
"""

from pydantic import ValidationError
from pymongo.asynchronous.database import AsyncDatabase

from shared.checkins import CheckinAnswer
from shared.mongo import Document, idempotent, store_errors


class MongoCheckinAnswers:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._answers = db["checkin_answers"]

    @idempotent
    async def for_program(self, program_id: str) -> list[CheckinAnswer]:
        with store_errors():
            docs = [d async for d in self._answers.find({"program_id": program_id})]
        return sorted(_answers(docs), key=lambda a: (a.pairing_id, a.checkin_id, a.person_id))


class MongoPairingFlags:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._pairings = db["pairings"]

    @idempotent
    async def for_program(self, program_id: str) -> dict[str, list[str]]:
        with store_errors():
            docs = [d async for d in self._pairings.find({"program_id": program_id})]
        return {str(d["_id"]): sorted(map(str, d["flags"])) for d in docs if d.get("flags")}


def _answers(docs: list[Document]) -> list[CheckinAnswer]:
    found = []
    for doc in docs:
        try:
            found.append(CheckinAnswer.model_validate(doc.get("answer", doc)))
        except ValidationError:
            continue  # not an answer yet (a document holding only its fence, say)
    return found
