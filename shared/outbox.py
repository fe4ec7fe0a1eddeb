"""The one outbox relay: publish pending entries in order per key, then record them sent.

Every service stores an event together with the change that causes it (an outbox), so nothing is
lost while Kafka is down. A `Relay` takes the pending entries of a scope from its service's
`Outbox` port, publishes each key's entries one after another in stored order (different keys
concurrently), and then tells the port which keys went out whole, so that it records them sent.
A key whose publish failed keeps its remaining entries pending; the next flush starts there.

Exactly once, precisely: the producer is idempotent with acks=all, so Kafka never stores a retried
send twice. One window remains: an entry published, and then the process dies (or the store
fails) before it is recorded sent; it is then published again, byte for byte, with the same
`event_id`, and consumers drop it. A publish is never cancelled on purpose: a cancelled send may
still be delivered, so the relay always waits for its outcome before deciding what to record.
"""

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

import structlog

from shared.publisher import Message, Publisher

log = structlog.get_logger(__name__)

S = TypeVar("S", contravariant=True)  # what one flush covers (a program, a sweep, a request)
T = TypeVar("T")  # what the port needs to record one key's entries sent


@dataclass(frozen=True)
class Entry:
    """One stored outbox entry and what goes out for it, in order (an event; for a deletion on a
    compacted topic, also its tombstone). It counts as sent once all its messages are out."""

    id: str
    messages: tuple[Message, ...]


@dataclass(frozen=True)
class Pending(Generic[T]):
    """One key's unpublished entries, oldest first, and what the port needs to record them."""

    key: str
    entries: Sequence[Entry]
    source: T


@dataclass(frozen=True)
class Taken(Generic[T]):
    """What one flush takes; `complete` is False when a full batch was taken and more waits."""

    pending: Sequence[Pending[T]]
    complete: bool = True


@dataclass(frozen=True)
class Flushed:
    sent: int  # entries of the keys that went out whole
    complete: bool


class Outbox(Protocol[S, T]):
    """A service's side of the relay: where pending entries come from and how they are marked."""

    async def take(self, scope: S) -> Taken[T]:
        """The entries pending in `scope`, grouped per key, each group in stored order."""
        ...

    def sent(self, entry: Entry) -> None:
        """Every message of `entry` was acknowledged (before `record` is called)."""
        ...

    async def record(self, sent: Sequence[Pending[T]], *, scope: S, whole: bool) -> None:
        """Record these keys' entries sent; `whole`: nothing taken failed to go out."""
        ...


class Relay(Generic[S, T]):
    def __init__(self, outbox: Outbox[S, T], publisher: Publisher) -> None:
        self._outbox, self._publisher = outbox, publisher

    async def flush(self, scope: S) -> Flushed:
        """Publish what is pending in `scope` and record what went out. Raises the first publish
        error after recording the rest; what failed stays pending for the next flush."""
        taken = await self._outbox.take(scope)
        results = await asyncio.gather(
            *(self._send(pending) for pending in taken.pending), return_exceptions=True
        )
        sent = [pending for pending, r in zip(taken.pending, results, strict=True) if r is None]
        failed = next((r for r in results if isinstance(r, BaseException)), None)
        await self._outbox.record(sent, scope=scope, whole=failed is None)
        if failed is not None:
            raise failed
        return Flushed(sum(len(pending.entries) for pending in sent), taken.complete)

    async def _send(self, pending: Pending[T]) -> None:
        for entry in pending.entries:
            for message in entry.messages:
                try:
                    await self._publisher.publish(message)
                except Exception as exc:
                    log.warning("publish_failed", key=pending.key, entry=entry.id, error=repr(exc))
                    raise
            self._outbox.sent(entry)
