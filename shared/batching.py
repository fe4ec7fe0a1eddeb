"""Group commit: calls from concurrent callers sent together, one batch in flight at a time.

A batched consumer (`shared.consumer`) handles the keys of a poll concurrently, and their handlers
write the same kind of document at about the same time. One write is one round trip (about 1 ms
on FerretDB at any collection size); a batch of 50 costs about 2 ms. So `GroupCommit` keeps at
most one batch in flight and sends whatever arrived meanwhile as the next one: an idle store gets
each call at once, a busy one gets batches as large as the load. Each caller still waits for its
own answer, so nothing it does next (a send, a publish, the consumer's commit) runs before its
write is done.
"""

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

In = TypeVar("In")
Out = TypeVar("Out")
Send = Callable[[list[In]], Awaitable[Sequence[Out | Exception]]]
"""Sends one batch; answers one outcome per item, in order: a result, or that item's error."""


class GroupCommit(Generic[In, Out]):
    """The calls of one kind on one collection; use one instance per event loop."""

    def __init__(self, send: Send[In, Out], *, limit: int) -> None:
        self._send_batch, self._limit = send, limit
        self._waiting: list[tuple[In, asyncio.Future[Out]]] = []
        self._sender: asyncio.Task[None] | None = None

    async def call(self, item: In) -> Out:
        """This item's outcome. An error of this item is raised here only; a failure of the
        whole batch reaches every caller in it. Not retried here: retries belong to the
        caller's method (`shared.mongo.idempotent`), so they never nest."""
        future: asyncio.Future[Out] = asyncio.get_running_loop().create_future()
        self._waiting.append((item, future))
        if self._sender is None:
            self._sender = asyncio.create_task(self._send_all())
        return await future

    async def _send_all(self) -> None:
        try:
            while self._waiting:
                batch = self._waiting[: self._limit]
                self._waiting = self._waiting[self._limit :]
                await self._send(batch)
        finally:
            self._sender = None

    async def _send(self, batch: list[tuple[In, "asyncio.Future[Out]"]]) -> None:
        try:
            outcomes = await self._send_batch([item for item, _ in batch])
        except Exception as exc:
            for _, future in batch:
                _settle(future, exc)
            return
        except BaseException:  # cancelled: nobody will send what waits
            for _, future in batch + self._waiting:
                future.cancel()
            self._waiting = []
            raise
        for (_, future), outcome in zip(batch, outcomes, strict=True):
            _settle(future, outcome)


def _settle(future: "asyncio.Future[Out]", outcome: "Out | Exception") -> None:
    """A caller that was cancelled meanwhile no longer waits for its answer."""
    if future.done():
        return
    if isinstance(outcome, Exception):
        future.set_exception(outcome)
    else:
        future.set_result(outcome)
