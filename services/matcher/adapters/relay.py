"""Publishes the outbox entries of pairing documents, in order per pairing, then marks them sent.

Only the replica that owns a program runs the relay for it (right after a step, and for the whole
program when it takes the program over), so two relays never race over one entry. A crash between
publishing and marking republishes the same stored bytes with the same `event_id`: consumers
dedupe on it.
"""

import asyncio
from collections.abc import Collection
from typing import Protocol

from services.matcher.usecases.ports import PairingStore, Unpublished


class Publisher(Protocol):
    """Sends one already-encoded event; returns when the broker acknowledged it."""

    async def __call__(
        self, payload: bytes, *, topic: str, key: bytes, headers: dict[str, str]
    ) -> None: ...


class Relay:
    def __init__(self, pairings: PairingStore, publisher: Publisher, *, topic: str) -> None:
        self._pairings = pairings
        self._publish = publisher
        self._topic = topic

    async def flush(self, program_id: str, ids: Collection[str] | None = None) -> int:
        """Publish what is pending for these pairings (all of the program's when `ids` is None,
        which then also settles the program's published outboxes)."""
        if ids is not None and not ids:
            return 0
        pending = await self._pairings.unpublished(program_id, ids)
        results = await asyncio.gather(
            *(self._send(entries) for entries in pending), return_exceptions=True
        )
        sent = [entries for entries, r in zip(pending, results, strict=True) if r is None]
        await self._pairings.mark_published({e.pairing_id: e.start + len(e.payloads) for e in sent})
        if failed := next((r for r in results if isinstance(r, BaseException)), None):
            raise failed  # the rest is published again by the next flush or the sweep
        if ids is None:
            await self._pairings.settle(program_id)
        return sum(len(entries.payloads) for entries in sent)

    async def _send(self, entries: Unpublished) -> None:
        key = entries.pairing_id.encode()
        for payload, headers in entries.payloads:
            await self._publish(payload, topic=self._topic, key=key, headers=headers)
