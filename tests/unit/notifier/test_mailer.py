"""Retries: exponential back-off with jitter, bounded, and only for transient failures."""

from email.message import EmailMessage

import pytest

from services.notifier.errors import PermanentDeliveryError, TransientDeliveryError
from services.notifier.mailer import RetryingMailer
from shared.retry import RetryPolicy
from tests.fakes.notifier import FakeMailer

POLICY = RetryPolicy(attempts=4, base_delay=0.5, max_delay=1.5)


class Sleeps:
    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


def retrying(inner: FakeMailer, sleeps: Sleeps, jitter: float) -> RetryingMailer:
    return RetryingMailer(inner, POLICY, sleep=sleeps, jitter=lambda: jitter)


async def test_transient_failures_are_retried_until_one_attempt_succeeds() -> None:
    inner = FakeMailer(failures=[TransientDeliveryError("refused")] * 2)
    sleeps = Sleeps()

    await retrying(inner, sleeps, jitter=0.0).send(EmailMessage())

    assert inner.calls == 3 and len(inner.sent) == 1
    assert sleeps.delays == [0.25, 0.5]


async def test_back_off_grows_exponentially_up_to_the_cap_with_jitter_in_the_upper_half() -> None:
    inner = FakeMailer(failures=[TransientDeliveryError("451")] * 4)
    low, high = Sleeps(), Sleeps()

    with pytest.raises(TransientDeliveryError):
        await retrying(inner, low, jitter=0.0).send(EmailMessage())
    inner.failures = [TransientDeliveryError("451")] * 4
    with pytest.raises(TransientDeliveryError):
        await retrying(inner, high, jitter=1.0).send(EmailMessage())

    assert low.delays == [0.25, 0.5, 0.75]
    assert high.delays == [0.5, 1.0, 1.5]


async def test_gives_up_after_the_last_attempt_with_a_transient_error() -> None:
    inner = FakeMailer(failures=[TransientDeliveryError("timeout")] * 10)

    with pytest.raises(TransientDeliveryError, match="gave up after 4"):
        await retrying(inner, Sleeps(), jitter=0.5).send(EmailMessage())

    assert inner.calls == POLICY.attempts


async def test_permanent_failure_is_not_retried() -> None:
    inner = FakeMailer(failures=[PermanentDeliveryError("SMTP 550")])
    sleeps = Sleeps()

    with pytest.raises(PermanentDeliveryError):
        await retrying(inner, sleeps, jitter=0.5).send(EmailMessage())

    assert inner.calls == 1 and sleeps.delays == []


def test_worst_case_counts_every_attempt_timing_out_and_every_back_off() -> None:
    assert POLICY.worst_case(attempt_timeout=10) == 4 * 10 + 0.5 + 1.0 + 1.5
