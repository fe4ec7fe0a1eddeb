"""Per program, the ids of its pairings and of those with unsent events (`id_lists`), so that a
take-over, a due program's relay and the sweep read by `_id` only (FerretDB v1 reads the whole
collection for a query by program).

- `pairings:<program>` (in `memberships`) lists every pairing of the program. An id is added
  before its pairing is inserted and never removed (pairings are never deleted, nor change
  program): the list is never behind the pairings; an id whose insert failed reads as nothing.
- `<program>` in `pairings_unsent` (`owned_lists`: only the program's owner writes it) lists the
  pairings that may hold unsent events, and keeps the earliest expiry of a proposal (`earliest`). An id is added (and the expiry kept) before the
  write that adds an event, and pulled after the relay recorded the events it read published.
  A list that is ahead (a crash between the two, an insert that failed) makes the program due
  after `MATCHER_OUTBOX_STUCK_SECONDS`, as does a proposal's expiry already answered; the due
  program's relay reads every pairing of the program and sets the list to what it found.
  A list behind (only a stale second owner's change between the owner's read and pull) is made
  whole by the same whole-program relay, on the owner's next take-over or due program.
The sweep reads `pairings_unsent` whole: one small document per program, as `followups_due`.
"""

import asyncio
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase

from services.matcher.adapters.id_lists import READ_BY_ID_AT_MOST, IdLists
from services.matcher.adapters.owned_lists import OwnedLists
from services.matcher.core.lifecycle import AWAITING
from services.matcher.usecases.ports import PairingRecord
from shared.mongo import Document, store_errors

BUILT = "built:pairings"
"""The marker that every stored pairing is in the lists."""


class PairingLists:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._members = IdLists(db["memberships"])
        self._unsent = OwnedLists(db["pairings_unsent"])
        self._unsent_docs = db["pairings_unsent"]
        self._relaying: dict[str, str] = {}  # pairing -> program, read with unsent events
        self._since: dict[tuple[str, str], datetime] = {}  # first sweep that saw an id listed
        self.complete = False  # whether every stored pairing is listed (`build`)

    async def build(self, pairings: AsyncCollection[Document]) -> None:
        """List the pairings stored before the lists existed: one scan, once per store (the
        marker says it was done); pairings written meanwhile list themselves first."""
        if not await self._members.marked(BUILT):
            by_program: dict[str, list[Document]] = {}
            with store_errors():
                async for doc in pairings.find({}, {"outbox": 0, "proposal": 0}):
                    by_program.setdefault(str(doc.get("program_id")), []).append(doc)
            for program, docs in sorted(by_program.items()):
                await self._members.add(_members(program), [doc["_id"] for doc in docs])
                await self.relist(program, docs)
            await self._members.mark(BUILT)
        self.complete = True

    async def created(self, records: Sequence[PairingRecord]) -> None:
        """Before new pairings are inserted, each with its first event."""
        for program in sorted({r.program_id for r in records}):
            mine = [r for r in records if r.program_id == program]
            listed = self._members.add(_members(program), [r.id for r in mine])
            await asyncio.gather(listed, self.changed(mine))

    async def changed(self, records: Sequence[PairingRecord]) -> None:
        """Before events are added to these pairings (of one program)."""
        awaiting = [r.expires_at for r in records if r.state in AWAITING]
        earliest = min(awaiting) if awaiting else None
        await self._unsent.add(records[0].program_id, [r.id for r in records], earliest=earliest)

    async def of_program(self, program_id: str) -> list[str] | None:
        """The program's pairings; None when there are too many to read by id (`id_lists`)."""
        return await self._members.read(_members(program_id), at_most=READ_BY_ID_AT_MOST)

    async def relist(self, program_id: str, docs: Iterable[Document]) -> None:
        """Set the program's unsent list from all of its pairings, just read."""
        docs = list(docs)
        unsent = [doc["_id"] for doc in docs if doc.get("outbox_unsent")]
        awaiting = [
            doc["expires_at"]
            for doc in docs
            if doc.get("state") in _AWAITING and "expires_at" in doc
        ]
        await self._unsent.replace(program_id, unsent, earliest=min(awaiting, default=None))

    def relaying(self, program_id: str, pairing_ids: Iterable[str]) -> None:
        for pairing_id in pairing_ids:
            self._relaying[pairing_id] = program_id

    async def published(self, pairing_ids: Iterable[str]) -> None:
        """After the events read of these pairings were recorded published."""
        by_program: dict[str, list[str]] = {}
        for pairing_id in pairing_ids:
            if (program := self._relaying.pop(pairing_id, None)) is not None:
                by_program.setdefault(program, []).append(pairing_id)
        for program, ids in sorted(by_program.items()):
            await self._unsent.pull(program, ids)

    async def due_programs(self, *, now: datetime, stuck_before: datetime) -> set[str]:
        """Programs with a proposal's expiry passed, or an id listed unsent since a sweep
        before `stuck_before` (this process's sweeps: a restart starts counting again)."""
        with store_errors():
            docs = [doc async for doc in self._unsent_docs.find({})]
        since, due = {}, set()
        for doc in docs:
            earliest = doc.get("earliest")
            if earliest is not None and _aware(earliest) < now:
                due.add(doc["_id"])
            for pairing_id in doc.get("ids", ()):
                key = (doc["_id"], pairing_id)
                since[key] = self._since.get(key, now)
                if since[key] < stuck_before:
                    due.add(doc["_id"])
        self._since = since
        return due


_AWAITING = {state.value for state in AWAITING}


def _members(program_id: str) -> str:
    return f"pairings:{program_id}"


def _aware(at: datetime) -> datetime:
    """The store gives back naive UTC times unless the client asks otherwise."""
    return at if at.tzinfo else at.replace(tzinfo=UTC)
