"""Small helpers the tests share: free ports, an app served on a real port, reading topics with a
raw consumer, polling, counting the commands a store client sends."""

import asyncio
import smtplib
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any, Literal

import httpx
import uvicorn
from aiokafka import AIOKafkaConsumer, ConsumerRecord
from faststream.kafka import KafkaBroker
from pymongo.monitoring import CommandListener, CommandStartedEvent

from bench.opstats import shape
from shared.envelope import Envelope
from shared.publisher import BrokerPublisher, Message
from shared.retry import poll


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def served(app: Any, *, lifespan: Literal["auto", "on", "off"] = "off") -> Iterator[str]:
    """The app on a real port of 127.0.0.1, run in a thread, for clients that block (the CLI)."""
    port = free_port()
    config = uvicorn.Config(app, port=port, lifespan=lifespan, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started and thread.is_alive():
        threading.Event().wait(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join()


async def read_topic(
    bootstrap: str, topic: str, *, count: int, within: float = 30.0
) -> list[ConsumerRecord[bytes, bytes]]:
    """Read `count` records from the start of `topic` (all partitions), waiting at most `timeout`."""
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", enable_auto_commit=False
    )
    await consumer.start()
    records: list[ConsumerRecord[bytes, bytes]] = []
    deadline = time.monotonic() + within
    try:
        while len(records) < count and time.monotonic() < deadline:
            batch = await consumer.getmany(timeout_ms=500)
            for part in batch.values():
                records.extend(part)
    finally:
        await consumer.stop()
    return records


async def eventually(check: Callable[[], Any], *, within: float = 30.0, every: float = 0.2) -> Any:
    """Poll `check` (sync or async) until it returns a truthy value; fail after `within` seconds."""

    async def answer() -> Any:
        result = check()
        return await result if asyncio.iscoroutine(result) else result

    if result := await poll(answer, within=within, every=every):
        return result
    raise AssertionError(f"condition not met within {within} s")


def asgi_client(app: Any, *, base_url: str = "http://app") -> httpx.AsyncClient:
    """An HTTP client that calls the app in-process (no server, no port)."""
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base_url)


async def broker_connected(app: Any, *, within: float = 60.0) -> None:
    """Wait until the app's readiness says its broker answers: services connect to Kafka in the
    background (`shared.connection`), so their lifespan returns before that."""
    async with asgi_client(app) as client:

        async def connected() -> bool:
            return bool((await client.get("/health/ready")).json()["checks"]["broker"])

        await eventually(connected, within=within)


class Commands(CommandListener):
    """Counts the commands a client sends, by (command, collection)."""

    def __init__(self) -> None:
        self.sent: Counter[tuple[str, str]] = Counter()

    def started(self, event: CommandStartedEvent) -> None:
        self.sent[(event.command_name, str(event.command.get(event.command_name)))] += 1

    def succeeded(self, event: object) -> None:
        return None

    def failed(self, event: object) -> None:
        return None


class Shapes(CommandListener):
    """The shape of every command a client sends, as `bench.opstats.shape` names it (command,
    collection, the filter's field names): it shows which filter the store had to serve."""

    def __init__(self) -> None:
        self.seen: Counter[str] = Counter()

    def started(self, event: CommandStartedEvent) -> None:
        self.seen[shape(event.command_name, event.command)] += 1

    def succeeded(self, event: object) -> None:
        return None

    def failed(self, event: object) -> None:
        return None


async def publish(broker: KafkaBroker, topic: str, key: str, event: Envelope) -> None:
    """Publish one event as a producing team would: keyed, through the services' own publisher."""
    await BrokerPublisher(broker).publish(Message.of(topic, key, event))


async def deliver_lmtp(port: int, message: EmailMessage | bytes) -> None:
    """Deliver a message to 127.0.0.1:`port` over LMTP, as a mail server in front of a mailbox
    does."""

    def send() -> None:
        with smtplib.LMTP("127.0.0.1", port) as lmtp:
            raw = message if isinstance(message, bytes) else message.as_bytes()
            lmtp.sendmail("mta@example.org", ["mentoring@example.org"], raw)

    await asyncio.to_thread(send)


class FakeClock:
    """A clock a test moves by hand (`advance`), shared by every service it is handed to."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, by: timedelta) -> datetime:
        self.now += by
        return self.now

    def set(self, to: datetime) -> datetime:
        self.now = max(self.now, to)
        return self.now
