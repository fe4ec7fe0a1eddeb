"""Every retry policy of the system, one per kind of retry, on tenacity.

- `reconnecting`: reaching Kafka at start-up; forever, with exponential back-off (`shared.connection`).
- `in_place`: one record of a batch after a transient error; a few tries, then the error goes up so
  the batch is polled again (`shared.consumer`).
- `until_stopped`: a consumer loop's round after a failure; again after a pause, until its owner
  stops it (the matcher's work coordinator).
- `RetryPolicy.retrying`: bounded attempts with exponential back-off and jitter (the notifier's
  mailer, whose budget must fit the consumer's poll interval).
- `poll`: waiting, bounded in time, until a condition holds (topic leaders; the tests' `eventually`).
- `store_calls`: one idempotent store operation after a transient store error (a busy SQLite, a
  reset connection, a primary stepdown); a few quick tries with jitter, within a small budget, so
  a blip costs milliseconds, not a redelivery (`shared.mongo.retried`).

Which errors are worth retrying is decided by the callers: these only say how often and how long.
"""

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import structlog
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    RetryError,
    retry_if_exception_type,
    retry_if_not_exception_type,
    retry_if_result,
    stop_after_attempt,
    stop_after_delay,
    stop_never,
    wait_exponential,
    wait_fixed,
    wait_random_exponential,
)
from tenacity.stop import stop_base

log = structlog.get_logger(__name__)

T = TypeVar("T")
Errors = type[BaseException] | tuple[type[BaseException], ...]
Hook = Callable[[RetryCallState], None]
__all__ = [
    "ATTEMPTS_IN_PLACE",
    "Hook",
    "RetryCallState",
    "RetryError",
    "RetryPolicy",
    "in_place",
    "logged",
    "poll",
    "reconnecting",
    "store_calls",
    "until_stopped",
]

RECONNECT_CEILING_SECONDS = 30.0
ATTEMPTS_IN_PLACE = 5
"""Tries of one record of a batch before its batch is given up and polled again."""
STORE_ATTEMPTS = 4
STORE_BUDGET_SECONDS = 2.0
"""No new try of a store operation once this long has passed since its first try: an outage
longer than that is the consumer's (redelivery) or the client's (503) to wait out."""


def logged(event: str, **fields: Any) -> Hook:
    """A `before_sleep` hook: one warning line with the error, the attempt and the pause."""

    def hook(state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        pause = state.next_action.sleep if state.next_action else 0.0
        log.warning(event, **fields, attempt=state.attempt_number, retry_in=pause, exc_info=error)

    return hook


def reconnecting(first_delay: float, *, before_sleep: Hook) -> AsyncRetrying:
    """Any error, forever: `first_delay`, then doubling up to `RECONNECT_CEILING_SECONDS`."""
    return AsyncRetrying(
        stop=stop_never,
        wait=wait_exponential(multiplier=first_delay, max=RECONNECT_CEILING_SECONDS),
        retry=retry_if_exception_type(Exception),
        before_sleep=before_sleep,
        reraise=True,
    )


def in_place(every: float, *, unless: Errors, before_sleep: Hook) -> AsyncRetrying:
    """`ATTEMPTS_IN_PLACE` tries, `every` seconds apart; then the last error goes up. Errors of
    the `unless` types are not retried (they go up at once)."""
    return AsyncRetrying(
        stop=stop_after_attempt(ATTEMPTS_IN_PLACE),
        wait=wait_fixed(every),
        retry=retry_if_not_exception_type(unless),
        before_sleep=before_sleep,
        reraise=True,
    )


def store_calls(
    *,
    on: Errors,
    before_sleep: Hook,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    since: float | None = None,
) -> AsyncRetrying:
    """Errors of the `on` types are retried: up to `STORE_ATTEMPTS` tries, a random pause of up
    to 50 ms doubling each time (callers that collided on a busy store spread out), none once
    `STORE_BUDGET_SECONDS` have passed since the first try (at `since`, a `time.monotonic()`, when
    it was made before this retrying began); then the last error goes up. Other errors go up at
    once."""
    budget = stop_after_delay(STORE_BUDGET_SECONDS) if since is None else _Spent(since)
    return AsyncRetrying(
        stop=stop_after_attempt(STORE_ATTEMPTS) | budget,
        wait=wait_random_exponential(multiplier=0.05, max=0.5),
        retry=retry_if_exception_type(on),
        before_sleep=before_sleep,
        sleep=sleep,
        reraise=True,
    )


class _Spent(stop_base):
    """`STORE_BUDGET_SECONDS` have passed since `since` (by `time.monotonic`)."""

    def __init__(self, since: float) -> None:
        self.since = since

    def __call__(self, retry_state: RetryCallState) -> bool:
        return time.monotonic() - self.since >= STORE_BUDGET_SECONDS


def until_stopped(
    every: float, *, on: Errors, stopped: Callable[[], bool], before_sleep: Hook
) -> AsyncRetrying:
    """Errors of the `on` types are retried every `every` seconds until `stopped()`; then the
    call returns None instead of raising. Other errors go up at once."""
    return AsyncRetrying(
        stop=lambda _: stopped(),
        wait=wait_fixed(every),
        retry=retry_if_exception_type(on),
        before_sleep=before_sleep,
        retry_error_callback=lambda _: None,
    )


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded attempts, with exponential back-off capped at `max_delay` and "equal jitter"."""

    attempts: int = 4
    base_delay: float = 0.5
    max_delay: float = 4.0

    def delay(self, retry: int, jitter: float) -> float:
        """Before retry number `retry` (from 0): half fixed, half random (`jitter` in 0..1)."""
        ceiling = min(self.max_delay, self.base_delay * 2.0**retry)
        return ceiling / 2 + ceiling / 2 * jitter

    def worst_case(self, attempt_timeout: float) -> float:
        """Every attempt timing out and every back-off maximal."""
        backoff = sum(
            min(self.max_delay, self.base_delay * 2.0**n) for n in range(self.attempts - 1)
        )
        return self.attempts * attempt_timeout + backoff

    def retrying(
        self,
        *,
        on: Errors,
        before_sleep: Hook | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        jitter: Callable[[], float] = random.random,
    ) -> AsyncRetrying:
        """Errors of the `on` types are retried; once the attempts are spent, tenacity's
        `RetryError` goes up (it holds the last attempt). Other errors go up at once."""
        return AsyncRetrying(
            stop=stop_after_attempt(self.attempts),
            wait=lambda state: self.delay(state.attempt_number - 1, jitter()),
            retry=retry_if_exception_type(on),
            before_sleep=before_sleep,
            sleep=sleep,
        )


async def poll(check: Callable[[], Awaitable[T]], *, within: float, every: float) -> T:
    """Call `check` every `every` seconds until its answer is truthy or `within` seconds have
    passed, and return its last answer. Its errors are not retried: they go up at once."""
    retrying = AsyncRetrying(
        stop=stop_after_delay(within),
        wait=wait_fixed(every),
        retry=retry_if_result(lambda answer: not answer),
        retry_error_callback=lambda state: state.outcome.result() if state.outcome else None,
    )

    async def ask() -> T:  # tenacity awaits only what it sees is a coroutine function
        return await check()

    answer: T = await retrying(ask)
    return answer
