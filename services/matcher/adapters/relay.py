"""Publishes the outbox entries of pairing documents through the shared relay (`shared.outbox`),
in order per pairing, then marks them sent with a marker (`PairingStore.mark_published`).

Only the replica that owns a program runs the relay for it (right after a step, and for the whole
program when it takes the program over), so two relays never race over one entry. The sweep is
the `Sweeper`'s: it sends a stuck program's owner a `due` work item, whose step flushes the whole
program. A crash between publishing and marking republishes the same stored bytes with the same
`event_id`: consumers dedupe on it.
"""

from collections.abc import Collection, Sequence

from services.matcher.usecases.ports import PairingStore
from shared import outbox
from shared.outbox import Entry, Pending, Taken
from shared.publisher import Message, Publisher

Scope = tuple[str, Collection[str] | None]  # a program, and some of its pairings (None: all)


class PairingOutbox:
    """The relay's port over the pairing documents: `source` is the marked count after sending."""

    def __init__(self, pairings: PairingStore, *, topic: str) -> None:
        self._pairings, self._topic = pairings, topic

    async def take(self, scope: Scope) -> Taken[int]:
        program_id, ids = scope
        if ids is not None and not ids:
            return Taken([])
        found = await self._pairings.unpublished(program_id, ids)
        return Taken([self._pending(u.pairing_id, u.start, u.payloads) for u in found])

    def sent(self, entry: Entry) -> None:
        return None

    async def record(self, sent: Sequence[Pending[int]], *, scope: Scope, whole: bool) -> None:
        """Mark what went out; after a whole-program flush with nothing left, also settle the
        program's outboxes, so the sweep stops finding them."""
        program_id, ids = scope
        await self._pairings.mark_published({pending.key: pending.source for pending in sent})
        if whole and ids is None:
            await self._pairings.settle(program_id)

    def _pending(
        self, pairing_id: str, start: int, payloads: list[tuple[bytes, dict[str, str]]]
    ) -> Pending[int]:
        key = pairing_id.encode()
        entries = [
            Entry(f"{pairing_id}:{start + n + 1}", (Message(self._topic, key, value, headers),))
            for n, (value, headers) in enumerate(payloads)
        ]
        return Pending(pairing_id, entries, start + len(payloads))


class Relay:
    """What the program step calls: publish a program's pending pairing events."""

    def __init__(self, pairings: PairingStore, publisher: Publisher, *, topic: str) -> None:
        self._relay = outbox.Relay(PairingOutbox(pairings, topic=topic), publisher)

    async def flush(self, program_id: str, ids: Collection[str] | None = None) -> int:
        """Publish what is pending for these pairings (all of the program's when `ids` is None,
        which then also settles the program's published outboxes); returns how many went out."""
        return (await self._relay.flush((program_id, ids))).sent
