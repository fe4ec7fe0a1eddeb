"""Keeps the Kafka broker connected without ever holding up the HTTP API.

FastStream's `broker.start()` fails at once when Kafka is unreachable, and would fail the whole
app start-up with it. Here it is retried in the background with a back-off, so the API serves (and
its writes wait in the outbox) while Kafka is down at start-up. Once started, aiokafka reconnects
by itself after an outage; `ready` stays set, and publishes wait or fail until Kafka is back.
"""

import asyncio
import contextlib

import structlog
from faststream.kafka import KafkaBroker

from services.profiles.metrics import BROKER_UP

log = structlog.get_logger(__name__)


class BrokerConnection:
    def __init__(self, broker: KafkaBroker, *, retry_seconds: float = 2.0) -> None:
        self._broker = broker
        self._retry = retry_seconds
        self.ready = asyncio.Event()

    async def run(self, *, check_every: float = 5.0) -> None:
        """Start the broker (subscribers included), retrying until it works; then keep the
        `profiles_broker_up` gauge current."""
        await self._start()
        while True:
            await self.alive()
            await asyncio.sleep(check_every)

    async def _start(self) -> None:
        delay = self._retry
        while not self.ready.is_set():
            try:
                await self._broker.start()
            except Exception as exc:
                BROKER_UP.set(0)
                log.warning("broker_unavailable", error=repr(exc), retry_in=delay)
                with contextlib.suppress(Exception):
                    await self._broker.stop()  # drop the half-started clients before retrying
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30.0)
            else:
                log.info("broker_connected")
                self.ready.set()

    async def alive(self, *, within: float = 2.0) -> bool:
        """Whether Kafka answers now (readiness)."""
        up = self.ready.is_set() and await self._broker.ping(within)
        BROKER_UP.set(1 if up else 0)
        return up

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self._broker.stop()
