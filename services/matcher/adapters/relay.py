"""Publishes the outbox entries of pairing documents through the shared relay (`shared.outbox`),
in order per pairing, then records them sent (`PairingStore.mark_published`, by `_id`).

Only the replica that owns a program runs the relay for it, so two relays never race over one
entry. After a step it relays the pairings that step wrote, by id: point reads and one batch of
point updates, whatever the size of the program. Only when it takes a program over, or when the
`Sweeper` found the program due (a proposal past its expiry, or an entry left unpublished for a
while by a crash or a broker outage), does it read every pairing of the program (by the program's
list: point reads, `pairing_lists`). A crash
between publishing and recording republishes the same stored bytes with the same `event_id`:
consumers dedupe on it.

A flush returns once its events are published; recording them sent (a point update per pairing,
32 to a command: 30-300 ms in the pipeline bench) goes on while the coordinator commits and
starts the next step, and the next flush waits for it before it takes anything, so an entry is
never taken again after it was published. The coordinator waits for it too before it gives up
partitions or stops (`recorded`). A record that fails leaves its entries unsent, as a failed
record in the step did: they go out again (same bytes, same `event_id`) with the next flush of
their pairings, or once the sweeper finds them stuck.
"""

import asyncio
from collections.abc import Collection, Sequence

import structlog

from services.matcher.usecases.ports import PairingStore
from shared import outbox
from shared.outbox import Entry, Pending, Taken
from shared.publisher import Message, Publisher

log = structlog.get_logger(__name__)

Scope = tuple[str, Collection[str] | None]  # a program, and some of its pairings (None: all)


class PairingOutbox:
    """The relay's port over the pairing documents: `source` is the event ids taken."""

    def __init__(self, pairings: PairingStore, *, topic: str) -> None:
        self._pairings, self._topic = pairings, topic
        self._recording: asyncio.Task[None] | None = None

    async def take(self, scope: Scope) -> Taken[list[str]]:
        program_id, ids = scope
        if ids is not None and not ids:
            return Taken([])
        await self.recorded()
        found = await self._pairings.unpublished(program_id, ids)
        return Taken([self._pending(u.pairing_id, u.start, u.payloads) for u in found])

    def sent(self, entry: Entry) -> None:
        return None

    async def record(
        self, sent: Sequence[Pending[list[str]]], *, scope: Scope, whole: bool
    ) -> None:
        if published := {pending.key: pending.source for pending in sent}:
            self._recording = asyncio.create_task(self._pairings.mark_published(published))

    async def recorded(self) -> None:
        """Wait until what the last flush published is recorded sent (or failed to be)."""
        recording, self._recording = self._recording, None
        if recording is None:
            return
        try:
            await recording
        except Exception as exc:  # left unsent: published again later (see the module)
            log.warning("published_not_recorded", error=repr(exc))

    def _pending(
        self, pairing_id: str, start: int, payloads: list[tuple[bytes, dict[str, str]]]
    ) -> Pending[list[str]]:
        key = pairing_id.encode()
        entries = [
            Entry(f"{pairing_id}:{start + n + 1}", (Message(self._topic, key, value, headers),))
            for n, (value, headers) in enumerate(payloads)
        ]
        return Pending(pairing_id, entries, [headers["event_id"] for _, headers in payloads])


class Relay:
    """What the program step calls: publish a program's pending pairing events."""

    def __init__(self, pairings: PairingStore, publisher: Publisher, *, topic: str) -> None:
        self._outbox = PairingOutbox(pairings, topic=topic)
        self._relay = outbox.Relay(self._outbox, publisher)

    async def flush(self, program_id: str, ids: Collection[str] | None = None) -> int:
        """Publish what is pending for these pairings (all of the program's when `ids` is None:
        see the module); returns how many went out."""
        return (await self._relay.flush((program_id, ids))).sent

    async def recorded(self) -> None:
        """Wait until what was published is recorded sent (before giving up the programs)."""
        await self._outbox.recorded()
