"""The notifier's side of the shared relay (`shared.outbox`): the notification events of one
pairing event, published in order keyed by pairing, then marked published with one marker each.

A flush covers what one pairing event recorded: the events recorded just now, published from
memory (reading them back would only cost the store two more reads per email), and, for
notifications an earlier attempt finished, whatever of theirs the store still holds unpublished.
"""

from collections.abc import Sequence

from pydantic import TypeAdapter

from services.notifier.compose import NotificationKey
from services.notifier.store import NotificationStore
from shared.events import NotificationEvent, NotificationFailed, NotificationSent
from shared.outbox import Entry, Pending, Taken
from shared.publisher import Message

Recorded = NotificationSent | NotificationFailed
Scope = Sequence[Recorded | NotificationKey]  # per notification: its new event, or its key
_EVENTS: TypeAdapter[Recorded] = TypeAdapter(NotificationEvent)


class NotificationOutbox:
    """The relay's port over the notification store: `source` is the keys to mark."""

    def __init__(self, store: NotificationStore, *, topic: str) -> None:
        self._store, self._topic = store, topic

    async def take(self, scope: Scope) -> Taken[list[NotificationKey]]:
        earlier = [item for item in scope if isinstance(item, NotificationKey)]
        events = [_EVENTS.validate_json(raw) for raw in await self._store.unpublished(earlier)]
        events += [item for item in scope if not isinstance(item, NotificationKey)]
        by_pairing: dict[str, list[Recorded]] = {}
        for event in events:
            by_pairing.setdefault(event.data.pairing_id, []).append(event)
        return Taken([self._pending(key, group) for key, group in by_pairing.items()])

    def sent(self, entry: Entry) -> None:
        return None

    async def record(
        self, sent: Sequence[Pending[list[NotificationKey]]], *, scope: Scope, whole: bool
    ) -> None:
        keys = [key for pending in sent for key in pending.source]
        if keys:
            await self._store.mark_published(keys)

    def _pending(self, pairing_id: str, events: list[Recorded]) -> Pending[list[NotificationKey]]:
        keys = [_key_of(event) for event in events]
        entries = [
            Entry(key.id, (Message.of(self._topic, pairing_id, event),))
            for key, event in zip(keys, events, strict=True)
        ]
        return Pending(pairing_id, entries, keys)


def _key_of(event: Recorded) -> NotificationKey:
    return NotificationKey(event.data.pairing_id, event.data.state, event.data.recipient_id)
