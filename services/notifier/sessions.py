"""Open SMTP sessions, kept for the next message instead of one connection per message.

A new session costs the mail server and the notifier a connection, a greeting, EHLO (and
STARTTLS and AUTH where configured) and QUIT: four or more round trips besides the three a
message needs (MAIL, RCPT, DATA). Kept sessions are reused under three rules that keep delivery
as it was:
- only a session whose last message was accepted goes back to the pool; one that failed in any
  way is closed (QUIT, then the socket), as every session was before;
- a session idle for longer than `CHECK_AFTER` is asked a NOOP first, and one that does not
  answer (the server closed it while idle) is closed and replaced before anything of the
  message is sent; a server that closes a session just then fails the send before its data, a
  transient failure retried like any other;
- at most `limit` sessions are open at once; a send waits for a free one.
"""

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import aiosmtplib

CHECK_AFTER = 1.0
"""Seconds a session may sit idle and be reused without a NOOP first."""


class Sessions:
    def __init__(
        self,
        open_session: Callable[[], Awaitable[aiosmtplib.SMTP]],
        *,
        limit: int,
        timeout: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """`open_session` connects a new session; `timeout` bounds a NOOP and a goodbye."""
        self._open, self._timeout, self._clock = open_session, timeout, clock
        self._free = asyncio.Semaphore(limit)
        self._idle: list[tuple[aiosmtplib.SMTP, float]] = []

    @asynccontextmanager
    async def session(self) -> AsyncIterator[aiosmtplib.SMTP]:
        """A live session for one message; it is kept if the block ends without an error."""
        async with self._free:
            client = await self._take()
            try:
                yield client
            except BaseException:
                await goodbye(client, within=self._timeout)
                raise
            self._idle.append((client, self._clock()))

    async def close(self) -> None:
        """Say goodbye to every idle session (at shutdown)."""
        idle, self._idle = self._idle, []
        await asyncio.gather(*(goodbye(client, within=self._timeout) for client, _ in idle))

    async def _take(self) -> aiosmtplib.SMTP:
        while self._idle:
            client, since = self._idle.pop()
            if client.is_connected and (
                self._clock() - since < CHECK_AFTER or await self._answers(client)
            ):
                return client
            await goodbye(client, within=self._timeout)
        client = await self._open()
        return client

    async def _answers(self, client: aiosmtplib.SMTP) -> bool:
        try:
            async with asyncio.timeout(self._timeout):
                await client.noop()
        except (aiosmtplib.SMTPException, OSError, TimeoutError):
            return False
        return True


async def goodbye(client: aiosmtplib.SMTP, *, within: float) -> None:
    """QUIT if the session is still open, then close; any failure here changes nothing."""
    try:
        if client.is_connected:
            async with asyncio.timeout(within):
                await client.quit()
    except (aiosmtplib.SMTPException, OSError, TimeoutError):
        pass
    finally:
        client.close()
