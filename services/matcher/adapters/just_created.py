"""The pairings this process has just inserted, until the relay after the step takes them.

A step's relay publishes the first event of every pairing the step proposed. Reading each one
back by `_id` only to learn what the step itself wrote cost a point read per proposal (a third
of the matcher's store round trips in a burst of new people); so the documents a `create`
stored are kept here, and the relay takes them from memory. The document in memory is the
stored one for as long as nothing else writes the pairing, which holds because every later
write of it goes through `save` of the same store, and `save` forgets it first; a whole-program
relay (on take-over, and for a program found due) forgets the program's pairings too, since it
publishes them itself. What is never taken (a step that failed between the insert and its
relay) is dropped once the set grows past `LIMIT`: the store still holds it, and the next
whole-program relay publishes it.
"""

from collections.abc import Collection

from shared.mongo import Document

LIMIT = 20_000


class JustCreated:
    def __init__(self) -> None:
        self._docs: dict[str, Document] = {}

    def keep(self, doc: Document) -> None:
        if len(self._docs) >= LIMIT:
            self._docs.clear()
        self._docs[doc["_id"]] = doc

    def forget(self, pairing_id: str) -> None:
        self._docs.pop(pairing_id, None)

    def forget_program(self, program_id: str) -> None:
        self._docs = {k: d for k, d in self._docs.items() if d["program_id"] != program_id}

    def take(self, ids: Collection[str]) -> tuple[list[Document], list[str]]:
        """The kept documents among `ids` (no longer kept), and the ids left to read."""
        docs = [doc for pid in ids if (doc := self._docs.pop(pid, None)) is not None]
        taken = {doc["_id"] for doc in docs}
        return docs, [pid for pid in ids if pid not in taken]
