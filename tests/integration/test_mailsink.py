"""The local mail sink writes every message it accepts to a folder, one file per recipient."""

import email
import smtplib
from email.message import EmailMessage
from pathlib import Path

from aiosmtpd.controller import Controller

from deploy.mailsink import FolderHandler
from tests.helpers import free_port


def test_each_recipient_gets_an_eml_file_that_parses(tmp_path: Path) -> None:
    port = free_port()
    controller = Controller(FolderHandler(tmp_path), hostname="127.0.0.1", port=port)
    controller.start()
    message = EmailMessage()
    message["Subject"] = "Your reverse-mentoring partner"
    message["From"] = "program@example.org"
    message["To"] = "ada@example.org, grace@example.org"
    message.set_content("Hello")
    try:
        with smtplib.SMTP("127.0.0.1", port) as client:
            client.send_message(message)
    finally:
        controller.stop()

    files = sorted(tmp_path.glob("*.eml"))
    assert [f.name.split("-", 1)[1] for f in files] == [
        "ada@example.org.eml",
        "grace@example.org.eml",
    ]
    parsed = email.message_from_bytes(files[0].read_bytes())
    assert parsed["Subject"] == "Your reverse-mentoring partner"
