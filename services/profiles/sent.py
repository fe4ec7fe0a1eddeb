"""What this process has published, so that it never publishes an event twice itself."""

from collections import OrderedDict
from collections.abc import Iterable

from services.profiles.records import OutboxEntry, ProfileRecord


class SentLog:
    """The ids of events this process has published, newest last, bounded: a record handed to
    the relay before an earlier batch was trimmed still lists those events, and they must not go
    out again. Ids held (published, still in their outboxes: see `marks.py`) are never forgotten
    until released, however many events go out meanwhile."""

    def __init__(self, size: int = 100_000) -> None:
        self._ids: OrderedDict[str, None] = OrderedDict()
        self._held: set[str] = set()
        self._size = size

    def add(self, event_id: str) -> None:
        self._ids[event_id] = None
        if len(self._ids) > self._size:
            self._ids.popitem(last=False)

    def hold(self, event_ids: Iterable[str]) -> None:
        self._held.update(event_ids)

    def release(self, event_ids: Iterable[str]) -> None:
        self._held.difference_update(event_ids)

    def __contains__(self, event_id: object) -> bool:
        return event_id in self._ids or event_id in self._held

    def unsent(self, record: ProfileRecord) -> list[OutboxEntry]:
        return [entry for entry in record.outbox if entry.event_id not in self]
