"""Sending email: the `Mailer` port, the SMTP adapter, and retries with back-off.

`SmtpMailer` keeps its sessions open for the next message (`sessions.py`) and translates every
aiosmtplib and socket error into `TransientDeliveryError` or `PermanentDeliveryError` (see
`errors.py` for which is which). `RetryingMailer` retries transient
failures with exponential back-off and jitter, within a bounded number of attempts (its
`RetryPolicy` is the one in `shared.retry`): the consumer
must not stall past its poll interval, so once the attempts are spent the transient error goes up
and the shared dead-letter middleware redelivers the event after its own back-off.
"""

import asyncio
import random
import ssl
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Literal, NoReturn, Protocol

import aiosmtplib

from services.notifier.errors import PermanentDeliveryError, TransientDeliveryError
from services.notifier.metrics import EMAILS_RETRIED, SMTP_SECONDS
from services.notifier.sessions import Sessions, goodbye
from services.notifier.wire import wire
from shared.retry import RetryError, RetryPolicy


class Mailer(Protocol):
    """Delivers one message to the addresses in its To header, or raises a `DeliveryError`."""

    async def send(self, message: EmailMessage) -> None: ...


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    security: Literal["none", "starttls", "tls"]
    username: str | None = None
    password: str | None = None
    ca_file: str | None = None
    timeout: float = 10.0
    sessions: int = 32  # open at once at most: the consumer handles 32 pairings at a time


class SmtpMailer:
    """Sessions are kept open and reused (`sessions.Sessions`), at most `config.sessions` at
    once; `close` ends the idle ones."""

    def __init__(self, config: SmtpConfig, *, clock: Callable[[], float] = time.monotonic) -> None:
        """`clock` times how long a session sat idle (tests: a fake)."""
        self._config = config
        self._tls = ssl.create_default_context(cafile=config.ca_file)
        self._sessions = Sessions(
            self._connect, limit=config.sessions, timeout=config.timeout, clock=clock
        )

    async def send(self, message: EmailMessage) -> None:
        started, outcome = time.perf_counter(), "ok"
        try:
            await self._deliver(message)
        except PermanentDeliveryError:
            outcome = "permanent"
            raise
        except TransientDeliveryError:
            outcome = "transient"
            raise
        finally:
            SMTP_SECONDS.labels(outcome).observe(time.perf_counter() - started)

    async def close(self) -> None:
        await self._sessions.close()

    async def _deliver(self, message: EmailMessage) -> None:
        """The deadline covers the session up to the server's answer to the message. Once the
        server has accepted it, nothing may fail the send: the session is not even ended here,
        it waits for the next message."""
        try:
            async with self._sessions.session() as client, asyncio.timeout(self._config.timeout):
                await _send(client, message)
        except aiosmtplib.SMTPRecipientsRefused as exc:
            _raise_for(min((r.code for r in exc.recipients), default=550), exc)
        except (
            aiosmtplib.SMTPRecipientRefused,
            aiosmtplib.SMTPSenderRefused,
            aiosmtplib.SMTPDataError,
        ) as exc:
            _raise_for(exc.code, exc)
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            raise TransientDeliveryError(type(exc).__name__) from exc

    async def _connect(self) -> aiosmtplib.SMTP:
        """A new session, greeted (and secured and logged in, as configured)."""
        config = self._config
        client = aiosmtplib.SMTP(
            hostname=config.host,
            port=config.port,
            username=config.username,
            password=config.password,
            use_tls=config.security == "tls",
            start_tls=config.security == "starttls",
            tls_context=self._tls if config.security != "none" else None,
            timeout=config.timeout,
        )
        try:
            async with asyncio.timeout(config.timeout):
                await client.connect()
        except BaseException:
            await goodbye(client, within=config.timeout)
            raise
        return client


async def _send(client: aiosmtplib.SMTP, message: EmailMessage) -> None:
    """What `client.send_message` does, with the bytes made by `wire.wire` instead of its own
    generator: the same bytes, for a sixth of the notifier's CPU less (see `wire.py`)."""
    sender = message["From"].addresses[0].addr_spec
    recipients = [a.addr_spec for a in message["To"].addresses]
    if client.is_ehlo_or_helo_needed:  # the server's extensions decide the bytes
        await client.ehlo()
    utf8 = not (sender + "".join(recipients)).isascii()
    if utf8 and not client.supports_extension("smtputf8"):
        raise aiosmtplib.SMTPNotSupported("a non-ASCII address, and the server has no SMTPUTF8")
    eight_bit = client.supports_extension("8BITMIME")
    options = ["SMTPUTF8"] * utf8 + ["BODY=8BITMIME"] * eight_bit
    data = wire(message, eight_bit=eight_bit, utf8=utf8)
    await client.sendmail(sender, recipients, data, mail_options=options)


def _raise_for(code: int, exc: Exception) -> NoReturn:
    """A refusal about this message: 5xx is permanent, anything else transient."""
    text = f"SMTP {code}"
    if 500 <= code < 600:
        raise PermanentDeliveryError(text) from exc
    raise TransientDeliveryError(text) from exc


class RetryingMailer:
    """Retries transient failures of `inner` (`shared.retry.RetryPolicy`); permanent ones go up
    at once."""

    def __init__(
        self,
        inner: Mailer,
        policy: RetryPolicy,
        *,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self._inner = inner
        self._retrying = policy.retrying(
            on=TransientDeliveryError,
            before_sleep=lambda _: EMAILS_RETRIED.inc(),
            sleep=sleep,
            jitter=jitter,
        )

    async def send(self, message: EmailMessage) -> None:
        try:
            await self._retrying(self._inner.send, message)
        except RetryError as spent:
            attempt = spent.last_attempt
            error = attempt.exception()
            raise TransientDeliveryError(
                f"{error} (gave up after {attempt.attempt_number})"
            ) from error
