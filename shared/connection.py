"""Keeps a service's Kafka clients connected without ever holding up its HTTP API.

FastStream's `broker.start()` (and aiokafka's `start()`) fail at once when Kafka is unreachable,
and would fail the whole app start-up with them. Here they are started in the background and
retried with a back-off (`shared.retry.reconnecting`), so the app starts and serves, and its
readiness says the broker is down, until Kafka answers; then the broker's subscribers and the
service's other Kafka clients start, and `ready` is set. Once started, aiokafka reconnects by
itself after an outage; `ready` stays set, and publishes wait or fail until Kafka is back.
"""

import asyncio
import contextlib
from collections.abc import Sequence
from typing import Protocol

import structlog
from faststream.kafka import KafkaBroker
from prometheus_client import Gauge

from shared import retry

log = structlog.get_logger(__name__)

CHECK_EVERY_SECONDS = 5.0
PING_SECONDS = 1.0
"""Shorter than a readiness check may take (`shared.health.CHECK_SECONDS`), so that a readiness
check gets the ping's answer, and the `up` gauge is updated, when Kafka does not answer."""


class KafkaClient(Protocol):
    """Something else that needs Kafka to start: a consumer of its own, an admin client."""

    async def start(self) -> None: ...
    async def stop(self) -> None: ...


class BrokerConnection:
    """Starts `broker`, then `clients` in order, each once; `stop` stops them in reverse order."""

    def __init__(
        self,
        broker: KafkaBroker,
        *,
        clients: Sequence[KafkaClient] = (),
        retry_seconds: float = 2.0,
        up: Gauge | None = None,
    ) -> None:
        """`up`, when given, is kept at 1 while Kafka answers and 0 while it does not."""
        self._broker, self._clients = broker, list(clients)
        self._retry, self._up = retry_seconds, up
        self._broker_started = False
        self._started: list[KafkaClient] = []
        self._task: asyncio.Task[None] | None = None
        self.ready = asyncio.Event()

    def start(self) -> None:
        """Connect in the background (see `run`); returns at once."""
        self._task = asyncio.create_task(self.run(), name="broker-connection")

    async def stop(self) -> None:
        """Stop connecting (or watching), then stop what started, in reverse order."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self.close()

    async def run(self, *, check_every: float = CHECK_EVERY_SECONDS) -> None:
        """Start everything, retrying until it works; then keep the `up` gauge current."""
        await retry.reconnecting(self._retry, before_sleep=self._unavailable)(self._start)
        log.info("broker_connected")
        self.ready.set()
        while True:
            await self.alive()
            await asyncio.sleep(check_every)

    async def _start(self) -> None:
        """One attempt; what started in an earlier attempt stays started."""
        if not self._broker_started:
            try:
                await self._broker.start()
            except Exception:
                with contextlib.suppress(Exception):
                    await self._broker.stop()  # drop its half-started clients before retrying
                raise
            self._broker_started = True
        for client in self._clients[len(self._started) :]:
            await client.start()
            self._started.append(client)

    def _unavailable(self, state: retry.RetryCallState) -> None:
        if self._up is not None:
            self._up.set(0)
        retry.logged("broker_unavailable")(state)

    async def alive(self, *, within: float = PING_SECONDS) -> bool:
        """Whether everything started and Kafka answers now (readiness)."""
        up = self.ready.is_set() and await self._broker.ping(within)
        if self._up is not None:
            self._up.set(1 if up else 0)
        return up

    async def close(self) -> None:
        """Stop what started, in reverse order: the broker last, as the others may publish."""
        for client in reversed(self._started):
            with contextlib.suppress(Exception):
                await client.stop()
        self._started.clear()
        with contextlib.suppress(Exception):
            await self._broker.stop()
        self._broker_started = False
