"""A local SMTP sink for runs without Docker: accepts every message and writes it to a folder as
an `.eml` file, so emails and their calendar invites can be opened with any mail client.

    python -m deploy.mailsink --port 1025 --out .local/mail
"""

import argparse
import contextlib
import re
import threading
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session


class FolderHandler:
    """Writes each accepted message to `<out>/<n>-<recipient>.eml`, one file per recipient."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.count = 0

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        content: Any = envelope.original_content or envelope.content or b""
        data = content if isinstance(content, bytes) else str(content).encode()
        for recipient in envelope.rcpt_tos:
            self.count += 1
            safe = re.sub(r"[^A-Za-z0-9@._-]", "_", recipient)
            (self.out / f"{self.count:05d}-{safe}.eml").write_bytes(data)
        return "250 Message accepted for delivery"


def serve(host: str, port: int, out: Path) -> None:
    """Serve until interrupted; aiosmtpd runs the SMTP server in its own thread."""
    out.mkdir(parents=True, exist_ok=True)
    controller = Controller(FolderHandler(out), hostname=host, port=port)
    controller.start()
    print(f"mail sink on {host}:{port}, writing to {out}", flush=True)
    try:
        threading.Event().wait()
    finally:
        controller.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=1025)
    parser.add_argument("--out", type=Path, default=Path(".local/mail"))
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        serve(args.host, args.port, args.out)
