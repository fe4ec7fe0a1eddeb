"""The inbound endpoint for calendar replies: LMTP (or SMTP) with aiosmtpd, on its own port.

Route the program mailbox here (an LMTP delivery from the organisation's mail server is the usual
way). Each message is read as a calendar REPLY (`replies.py`); one that counts becomes a
`RespondToPairing` command on the pairing responses topic, keyed by pairing id, which the matcher
applies through the pairing's lifecycle (a repeated answer changes nothing there). A message that
does not count is accepted with 250 and dropped, logged and counted: bouncing it would only tell
a prober which UIDs exist. When the store or the broker is unavailable, the endpoint answers 451,
so the mail server delivers the message again later and no answer is lost.
"""

import asyncio
from typing import Any

import structlog
from aiosmtpd.lmtp import LMTP
from aiosmtpd.smtp import SMTP, Envelope, Session

from services.notifier.metrics import CALENDAR_REPLIES
from services.notifier.replies import Refusal, answer_of, read_reply
from services.notifier.store import NotificationStore
from shared.commands import RespondToPairing
from shared.publisher import Message, Publisher

log = structlog.get_logger(__name__)
PRODUCER = "notifier"
MAX_MESSAGE_BYTES = 1_000_000
OK, TRY_LATER = "250 2.0.0 OK", "451 4.3.0 Try again later"


class CalendarReplies:
    """The aiosmtpd handler: each delivered message, read as a calendar reply."""

    def __init__(self, store: NotificationStore, publisher: Publisher, *, topic: str) -> None:
        self._store, self._publisher, self._topic = store, publisher, topic

    async def handle_DATA(  # noqa: N802 (the name aiosmtpd calls)
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        content = envelope.original_content or envelope.content or b""
        raw = content if isinstance(content, bytes) else content.encode()
        reply = read_reply(raw)
        if isinstance(reply, Refusal):
            return _ignored(reply)
        try:
            invitation = await self._store.find_invitation(reply.uid)
            answer = answer_of(reply, invitation)
            if isinstance(answer, Refusal):
                return _ignored(answer)
            command = RespondToPairing(producer=PRODUCER, data=answer)
            await self._publisher.publish(Message.of(self._topic, answer.pairing_id, command))
        except Exception as exc:  # the store or the broker: let the mail server retry
            log.warning("calendar_reply_deferred", error=type(exc).__name__)
            CALENDAR_REPLIES.labels("deferred").inc()
            return TRY_LATER
        log.info("calendar_reply_counted", pairing_id=answer.pairing_id, decision=answer.decision)
        CALENDAR_REPLIES.labels("counted").inc()
        return OK


def _ignored(refusal: Refusal) -> str:
    log.info("calendar_reply_ignored", reason=refusal.reason)
    CALENDAR_REPLIES.labels("ignored").inc()
    return OK


async def serve(handler: CalendarReplies, *, host: str, port: int, protocol: str) -> asyncio.Server:
    """Listen on `host:port` in the running event loop."""
    server_class: Any = LMTP if protocol == "lmtp" else SMTP

    def connection() -> SMTP:
        smtp: SMTP = server_class(handler, data_size_limit=MAX_MESSAGE_BYTES, hostname=host)
        return smtp

    return await asyncio.get_running_loop().create_server(connection, host, port)
