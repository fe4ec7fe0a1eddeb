"""Publishes recorded follow-up occasions (`followups`) through the shared relay, keyed by
pairing id on the pairings topic, then records them published (by `_id`).

As for the pairing documents (`relay`), only the program's owner relays: after a step, the
occasions that step recorded, by id; on take-over, whatever the program left unpublished (a
scan, once per owner). A crash between publishing and recording republishes the same bytes with
the same `event_id`, which consumers drop.
"""

from collections.abc import Collection, Sequence
from itertools import groupby

from services.matcher.usecases.followup_ports import FollowupStore, Recorded
from shared import outbox
from shared.outbox import Entry, Pending, Taken
from shared.publisher import Message, Publisher

Scope = tuple[str, Collection[str] | None]


class FollowupOutbox:
    def __init__(self, store: FollowupStore, *, topic: str) -> None:
        self._store, self._topic = store, topic

    async def take(self, scope: Scope) -> Taken[list[str]]:
        program_id, ids = scope
        if ids is not None and not ids:
            return Taken([])
        found = sorted(await self._store.unpublished(program_id, ids), key=lambda r: r.pairing_id)
        return Taken(
            [
                self._pending(key, list(group))
                for key, group in groupby(found, lambda r: r.pairing_id)
            ]
        )

    def sent(self, entry: Entry) -> None:
        return None

    async def record(
        self, sent: Sequence[Pending[list[str]]], *, scope: Scope, whole: bool
    ) -> None:
        await self._store.mark_published([i for pending in sent for i in pending.source])

    def _pending(self, pairing_id: str, found: list[Recorded]) -> Pending[list[str]]:
        key = pairing_id.encode()
        entries = [Entry(r.id, (Message(self._topic, key, r.payload, r.headers),)) for r in found]
        return Pending(pairing_id, entries, [r.id for r in found])


class FollowupRelay:
    """What the follow-ups call after a step: publish the program's recorded occasions."""

    def __init__(self, store: FollowupStore, publisher: Publisher, *, topic: str) -> None:
        self._relay = outbox.Relay(FollowupOutbox(store, topic=topic), publisher)

    async def flush(self, program_id: str, ids: Collection[str] | None = None) -> int:
        return (await self._relay.flush((program_id, ids))).sent

    async def recorded(self) -> None:
        """Nothing to wait for: a flush records what it published before it returns."""
