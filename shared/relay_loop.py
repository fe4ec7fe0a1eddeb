"""The relay as a background task: publish what writes hand over at once, sweep now and then.

Writes wake the loop (`wake`), and a pass then publishes what they handed over without reading
the store. Every `sweep_seconds` a pass sweeps the whole outbox instead, so nothing is stranded: not
by a Kafka outage, a crash between write and publish, nor a write by another process. Nothing is
published before `ready` is set (the broker connected); until then every event waits in its
outbox. Recording entries sent may be deferred and batched by the port (`settle`).
"""

import asyncio
import time
from collections.abc import Callable
from enum import Enum
from typing import Generic, Protocol, TypeVar

import structlog

from shared.outbox import Outbox, Relay
from shared.publisher import Publisher

log = structlog.get_logger(__name__)

T = TypeVar("T")


class Pass(Enum):
    DONE = "done"
    MORE = "more"  # a full batch: sweep again right away
    FAILED = "failed"  # something was not published: back off, then sweep


class SweptOutbox(Outbox[bool, T], Protocol[T]):
    """An outbox the loop looks after: `take(True)` sweeps the store, `take(False)` takes what
    writes handed over; recorded entries are marked in the store in batches by `settle`."""

    def settle_in(self) -> float | None:
        """Seconds until `settle` is due; None if nothing waits to be marked."""
        ...

    async def settle(self) -> None: ...


class RelayLoop(Generic[T]):
    def __init__(
        self,
        outbox: SweptOutbox[T],
        publisher: Publisher,
        *,
        sweep_seconds: float = 5.0,
        retry_seconds: float = 1.0,
        on_failure: Callable[[], object] = lambda: None,
    ) -> None:
        self._outbox, self._relay = outbox, Relay(outbox, publisher)
        self._sweep_seconds, self._retry, self._on_failure = (
            sweep_seconds,
            retry_seconds,
            on_failure,
        )
        self._wake, self._stopped = asyncio.Event(), asyncio.Event()

    def wake(self) -> None:
        """A write handed something over: publish it without waiting for the sweep."""
        self._wake.set()

    def stop(self) -> None:
        self._stopped.set()
        self._wake.set()

    async def run(self, ready: asyncio.Event) -> None:
        """Publish until stopped; waits for `ready` before each pass; settles on the way out."""
        sweep, last_sweep = True, 0.0
        while not self._stopped.is_set():
            if not sweep:
                woken = await self._woken(self._idle_seconds(last_sweep))
                sweep = not woken and time.monotonic() - last_sweep >= self._sweep_seconds
            if not await self._until(ready):
                break
            last_sweep = time.monotonic() if sweep else last_sweep
            result = await self.pass_once(sweep=sweep)
            try:
                if sweep or self._outbox.settle_in() == 0:
                    await self._outbox.settle()
            except Exception:
                log.exception("relay_settle_failed")
                result = Pass.FAILED
            sweep = result is not Pass.DONE
            if result is Pass.FAILED:
                self._on_failure()
                await self._woken(self._retry)
        await self._outbox.settle()

    async def pass_once(self, *, sweep: bool) -> Pass:
        """Publish one batch: what writes handed over, or (`sweep`) anything pending."""
        try:
            flushed = await self._relay.flush(sweep)
        except Exception:
            log.exception("relay_pass_failed")
            return Pass.FAILED
        return Pass.DONE if flushed.complete else Pass.MORE

    def _idle_seconds(self, last_sweep: float) -> float:
        until_sweep = self._sweep_seconds - (time.monotonic() - last_sweep)
        until_settle = self._outbox.settle_in()
        return until_sweep if until_settle is None else min(until_sweep, until_settle)

    async def _until(self, ready: asyncio.Event) -> bool:
        """Wait for `ready`; False if stopped first."""
        waiting = asyncio.ensure_future(ready.wait())
        stopping = asyncio.ensure_future(self._stopped.wait())
        await asyncio.wait([waiting, stopping], return_when=asyncio.FIRST_COMPLETED)
        waiting.cancel()
        stopping.cancel()
        return not self._stopped.is_set()

    async def _woken(self, seconds: float) -> bool:
        """True if woken by a write or `stop` within `seconds`."""
        try:
            await asyncio.wait_for(self._wake.wait(), max(seconds, 0.0))
        except TimeoutError:
            return False
        self._wake.clear()
        return True
