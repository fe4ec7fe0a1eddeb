"""The two doors into the system, with retries: the services' HTTP APIs and the Kafka topics.

Every call is retried through restarts and outages (a connection error, a 5xx, a timeout) until
`patience` runs out; what a retry may have done twice is handled by the caller.
"""

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import httpx
from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError

T = TypeVar("T")
RETRYABLE = (httpx.TransportError, KafkaError, OSError, asyncio.TimeoutError)


class GaveUp(Exception):
    """A call kept failing for longer than the patience allowed."""


async def persist(call: Callable[[], Awaitable[T]], *, patience: float = 300.0) -> T:
    deadline = time.monotonic() + patience
    while True:
        try:
            return await call()
        except RETRYABLE as exc:
            if time.monotonic() > deadline:
                raise GaveUp(repr(exc)) from exc
            await asyncio.sleep(1.0)


class Http:
    """One service's API with the admin key; a 5xx counts as retryable."""

    def __init__(self, base_url: str, key: str) -> None:
        self._client = httpx.AsyncClient(base_url=base_url, headers={"X-API-Key": key}, timeout=30)

    async def call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        async def once() -> httpx.Response:
            response = await self._client.request(method, path, **kwargs)
            if response.status_code >= 500:
                raise httpx.TransportError(f"{response.status_code} from {path}")
            return response

        return await persist(once)

    async def close(self) -> None:
        await self._client.aclose()


class Topics:
    """A producer that survives broker restarts: rebuilt after a failed send."""

    def __init__(self, bootstrap: str) -> None:
        self._bootstrap = bootstrap
        self._producer: AIOKafkaProducer | None = None
        self._lock = asyncio.Lock()

    async def send(self, topic: str, value: bytes, *, key: bytes) -> None:
        async def once() -> None:
            producer = await self._ready()
            try:
                await asyncio.wait_for(producer.send_and_wait(topic, value, key=key), 60)
            except RETRYABLE:
                await self._drop(producer)
                raise

        await persist(once)

    async def _ready(self) -> AIOKafkaProducer:
        async with self._lock:
            if self._producer is None:
                producer = AIOKafkaProducer(
                    bootstrap_servers=self._bootstrap, acks="all", enable_idempotence=True
                )
                await producer.start()
                self._producer = producer
            return self._producer

    async def _drop(self, producer: AIOKafkaProducer) -> None:
        async with self._lock:
            if self._producer is producer:
                self._producer = None
        await producer.stop()

    async def close(self) -> None:
        if self._producer is not None:
            await self._producer.stop()
