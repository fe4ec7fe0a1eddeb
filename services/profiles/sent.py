"""What this process has published, so that it never publishes an event twice itself."""

from collections import OrderedDict

from services.profiles.records import OutboxEntry, ProfileRecord


class SentLog:
    """The ids of events this process has published, newest last, bounded: a record handed to
    the relay before an earlier batch was marked still lists those events, and they must not go
    out again."""

    def __init__(self, size: int = 100_000) -> None:
        self._ids: OrderedDict[str, None] = OrderedDict()
        self._size = size

    def add(self, event_id: str) -> None:
        self._ids[event_id] = None
        if len(self._ids) > self._size:
            self._ids.popitem(last=False)

    def __contains__(self, event_id: object) -> bool:
        return event_id in self._ids

    def unsent(self, record: ProfileRecord) -> list[OutboxEntry]:
        return [entry for entry in record.outbox if entry.event_id not in self._ids]
