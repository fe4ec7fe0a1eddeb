"""When slots were claimed, per program, for the sweep that frees orphaned slots.

A slot claimed by a process that then stopped before creating its pairing is freed by the
program's owner once it is old enough (`MATCHER_ORPHAN_SLOT_SECONDS`); the sweep makes each
program with such a claim due. Asking the slots by claim time reads the whole collection on
FerretDB v1, so each claim also inserts a small note (`slot_claims`: program and time, before
the claim; the notes of one moment share an insert). The sweep reads the notes whole, counts
the programs with a note older than the orphan age, and once it has made them due (`swept`)
deletes exactly the notes it counted, by `_id`. Only inserts and deletes: FerretDB v1 can lose
one of two concurrent updates of a document, never an insert. A sweep that failed before
`swept` counts the same notes again; each note makes its program due once, and there are only
as many notes as claims in the last `MATCHER_ORPHAN_SLOT_SECONDS` or so.

A step that ends well has each slot it claimed held by its stored pairing, or released: its notes
are deleted then (`forget`), so only the claims of a step that failed, or of a process that
stopped, make their program due. (Before, every claim did: once old enough, each program that
had proposed anything was due for the upkeep that reads all its slots.)
"""

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

from pymongo import DeleteOne
from pymongo.asynchronous.database import AsyncDatabase

from shared.inserts import Inserts
from shared.mongo import Document, idempotent, store_errors


class SlotClaims:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._notes = db["slot_claims"]
        self._new = Inserts(self._notes)
        self._counted: list[str] = []  # the notes the last count saw

    async def add(self, program_id: str, at: datetime) -> str:
        """Note a claim in the program; the note's id."""
        note = {"_id": f"{program_id}#{uuid.uuid4().hex}", "program_id": program_id, "at": at}
        await self._new.insert(note)
        return str(note["_id"])

    @idempotent
    async def forget(self, note_ids: Sequence[str]) -> None:
        """These notes' claims are settled: delete them (by `_id`; deleting twice is fine)."""
        if note_ids:
            with store_errors():
                await self._notes.bulk_write([DeleteOne({"_id": i}) for i in note_ids])

    async def claimed_before(self, until: datetime) -> set[str]:
        """Programs with a claim before `until` not yet swept."""
        with store_errors():
            notes = [doc async for doc in self._notes.find({})]
        old = [note for note in notes if _aware(note["at"]) < until]
        self._counted = [note["_id"] for note in old]
        return {str(note["program_id"]) for note in old}

    async def swept(self) -> None:
        """The programs of the last count were made due: delete the notes it counted."""
        counted, self._counted = self._counted, []
        if counted:
            with store_errors():
                await self._notes.bulk_write([DeleteOne({"_id": i}) for i in counted])


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo else at.replace(tzinfo=UTC)
