"""The shared relay: each key's entries in stored order, what went out whole is recorded, and a
failed key stays pending while the others are recorded."""

from collections.abc import Sequence

import pytest

from shared.outbox import Entry, Pending, Relay, Taken
from shared.publisher import Message


class Recording:
    def __init__(self, fail_key: bytes | None = None) -> None:
        self.sent: list[tuple[bytes, bytes | None]] = []
        self.fail_key = fail_key

    async def publish(self, message: Message) -> None:
        if message.key == self.fail_key:
            raise ConnectionError("the broker is down")
        self.sent.append((message.key, message.value))


class Port:
    def __init__(self, pending: dict[str, list[str]]) -> None:
        self.pending = pending
        self.entries_sent: list[str] = []
        self.recorded: list[tuple[list[str], bool]] = []

    async def take(self, scope: str) -> Taken[str]:
        return Taken(
            [
                Pending(key, [_entry(key, v) for v in values], key)
                for key, values in self.pending.items()
            ]
        )

    def sent(self, entry: Entry) -> None:
        self.entries_sent.append(entry.id)

    async def record(self, sent: Sequence[Pending[str]], *, scope: str, whole: bool) -> None:
        self.recorded.append(([p.source for p in sent], whole))


def _entry(key: str, value: str) -> Entry:
    return Entry(f"{key}:{value}", (Message("t", key.encode(), value.encode()),))


async def test_each_key_goes_out_in_stored_order_and_is_recorded_whole() -> None:
    port, publisher = Port({"a": ["1", "2", "3"], "b": ["1"]}), Recording()

    flushed = await Relay(port, publisher).flush("all")

    assert [value for key, value in publisher.sent if key == b"a"] == [b"1", b"2", b"3"]
    assert port.recorded == [(["a", "b"], True)]
    assert flushed.sent == 4 and flushed.complete


async def test_a_failed_key_stays_pending_and_the_others_are_recorded_before_it_raises() -> None:
    port, publisher = Port({"a": ["1", "2"], "b": ["1"]}), Recording(fail_key=b"b")

    with pytest.raises(ConnectionError):
        await Relay(port, publisher).flush("all")

    assert port.recorded == [(["a"], False)]
    assert port.entries_sent == ["a:1", "a:2"]
