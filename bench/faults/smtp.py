"""The run's mail server: writes each accepted email as an `.eml` file (as `deploy/mailsink.py`
does) and can be switched off (the port closed) or made to answer 451 to every message.

It runs in the harness's own process, so the injector switches it without signals, and every
delivery is logged with its time and Message-ID for the checker.
"""

import email
import re
import threading
import time
from dataclasses import dataclass, field
from email import policy
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session


@dataclass
class Delivered:
    file: str
    recipient: str
    message_id: str
    at: float  # time.monotonic() when the sink accepted it: the run's clock sets the origin


@dataclass
class Sink:
    """What the handler shares with the harness: the mode, and what was delivered."""

    out: Path
    tempfail: bool = False
    delivered: list[Delivered] = field(default_factory=list)
    refused: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        if self.tempfail:
            self.refused += 1
            return "451 4.3.0 mail server busy, try again later"
        content: Any = envelope.original_content or envelope.content or b""
        data = content if isinstance(content, bytes) else str(content).encode()
        parsed = email.message_from_bytes(data, policy=policy.default)
        message_id = str(parsed.get("Message-ID", ""))
        with self.lock:
            for recipient in envelope.rcpt_tos:
                n = len(self.delivered) + 1
                safe = re.sub(r"[^A-Za-z0-9@._-]", "_", recipient)
                name = f"{n:06d}-{safe}.eml"
                (self.out / name).write_bytes(data)
                self.delivered.append(Delivered(name, recipient, message_id, time.monotonic()))
        return "250 Message accepted for delivery"


class SwitchableSmtp:
    """The sink on a port that can be closed and opened again."""

    def __init__(self, out: Path, port: int) -> None:
        out.mkdir(parents=True, exist_ok=True)
        self.sink = Sink(out)
        self.port = port
        self._controller: Controller | None = None

    def up(self) -> None:
        if self._controller is None:
            self._controller = Controller(self.sink, hostname="127.0.0.1", port=self.port)
            self._controller.start()

    def down(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def set_tempfail(self, on: bool) -> None:
        self.sink.tempfail = on
