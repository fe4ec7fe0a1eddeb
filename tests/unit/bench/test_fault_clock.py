"""The fault run times its emails and its faults on one clock: a crash-window copy is told apart
from a real duplicate by whether a notifier kill fell between the copies, so an email timed from
another origin (the sink opens before the run starts) would be judged against the wrong kills."""

import smtplib
from email.message import EmailMessage
from pathlib import Path

import pytest

from bench.faults import collect
from bench.faults.smtp import SwitchableSmtp
from tests.helpers import free_port


def test_an_email_is_timed_from_the_runs_origin_not_the_sinks(tmp_path: Path) -> None:
    port = free_port()
    smtp = SwitchableSmtp(tmp_path, port)
    smtp.up()
    try:
        message = EmailMessage()
        message["From"], message["To"] = "sender@example.org", "someone@example.org"
        message["Message-ID"] = "<m1@example.org>"
        message.set_content("hello")
        with smtplib.SMTP("127.0.0.1", port) as client:
            client.send_message(message)
    finally:
        smtp.down()
    (delivered,) = smtp.sink.delivered
    run_started = delivered.at - 12.5  # the run began 12.5 s before the email arrived

    (found,) = collect.emails(tmp_path, [delivered], started=run_started)

    assert found.at == pytest.approx(12.5)
    assert found.message_id == "<m1@example.org>"
