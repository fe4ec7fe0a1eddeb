"""`SmtpMailer` against a real SMTP server: plain, STARTTLS with AUTH, implicit TLS, refusals."""

import asyncio
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import aiosmtplib
import pytest
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from services.notifier.emails import checked_address
from services.notifier.errors import PermanentDeliveryError, TransientDeliveryError
from services.notifier.mailer import SmtpConfig, SmtpMailer
from tests.integration.notifier.conftest import SmtpServer, SmtpSink, free_port, server_tls


def message(to: str = "robert@example.org") -> EmailMessage:
    out = EmailMessage()
    out["From"] = checked_address("Reverse Mentoring", "mentoring@example.org")
    out["To"] = checked_address("Robert", to)
    out["Subject"] = "Hello"
    out.set_content("Hello Robert")
    return out


def config(port: int, **overrides: Any) -> SmtpConfig:
    return SmtpConfig(
        **{"host": "127.0.0.1", "port": port, "security": "none", "timeout": 3} | overrides
    )


def only_alice(
    server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
        b"alice",
        b"s3cret",
    )
    return AuthResult(success=ok, handled=False)


async def test_message_is_delivered_to_its_to_address_only(smtp: SmtpServer) -> None:
    await SmtpMailer(config(smtp.port)).send(message())

    [got] = smtp.sink.received
    assert (got.sender, got.recipients) == ("mentoring@example.org", ["robert@example.org"])
    assert got.message.get_content().strip() == "Hello Robert"


async def test_starttls_with_authentication_delivers(
    smtp_server: SmtpServer, certificate: tuple[Path, Path]
) -> None:
    smtp_server.start(
        tls_context=server_tls(certificate),
        require_starttls=True,
        auth_required=True,
        authenticator=only_alice,
    )
    mailer = SmtpMailer(
        config(
            smtp_server.port,
            security="starttls",
            username="alice",
            password="s3cret",
            ca_file=str(certificate[1]),
        )
    )

    await mailer.send(message())

    assert len(smtp_server.sink.received) == 1


async def test_wrong_password_is_transient_since_it_is_about_configuration_not_the_message(
    smtp_server: SmtpServer, certificate: tuple[Path, Path]
) -> None:
    smtp_server.start(
        tls_context=server_tls(certificate),
        require_starttls=True,
        auth_required=True,
        authenticator=only_alice,
    )
    mailer = SmtpMailer(
        config(
            smtp_server.port,
            security="starttls",
            username="alice",
            password="wrong",
            ca_file=str(certificate[1]),
        )
    )

    with pytest.raises(TransientDeliveryError) as raised:
        await mailer.send(message())
    assert isinstance(raised.value.__cause__, aiosmtplib.SMTPAuthenticationError)
    assert smtp_server.sink.received == []


async def test_implicit_tls_delivers(
    smtp_server: SmtpServer, certificate: tuple[Path, Path]
) -> None:
    smtp_server.start(ssl_context=server_tls(certificate))
    mailer = SmtpMailer(config(smtp_server.port, security="tls", ca_file=str(certificate[1])))

    await mailer.send(message())

    assert len(smtp_server.sink.received) == 1


async def test_untrusted_certificate_is_refused(
    smtp_server: SmtpServer, certificate: tuple[Path, Path]
) -> None:
    smtp_server.start(ssl_context=server_tls(certificate))

    with pytest.raises(TransientDeliveryError):
        await SmtpMailer(config(smtp_server.port, security="tls")).send(message())
    assert smtp_server.sink.received == []


async def test_required_starttls_that_the_server_does_not_offer_is_not_skipped(
    smtp: SmtpServer,
) -> None:
    with pytest.raises(TransientDeliveryError):
        await SmtpMailer(config(smtp.port, security="starttls")).send(message())
    assert smtp.sink.received == []


async def test_5xx_for_the_recipient_is_permanent(smtp: SmtpServer) -> None:
    smtp.sink.refuse["robert@example.org"] = "550 5.1.1 No such user"

    with pytest.raises(PermanentDeliveryError, match="SMTP 550"):
        await SmtpMailer(config(smtp.port)).send(message())


async def test_4xx_for_the_recipient_is_transient(smtp: SmtpServer) -> None:
    smtp.sink.refuse["robert@example.org"] = "451 4.3.0 Try again later"

    with pytest.raises(TransientDeliveryError, match="SMTP 451"):
        await SmtpMailer(config(smtp.port)).send(message())


async def test_connection_refused_is_transient() -> None:
    with pytest.raises(TransientDeliveryError):
        await SmtpMailer(config(free_port())).send(message())


class SlowGoodbye(SmtpSink):
    """Accepts the message at once, then takes longer than the client's timeout to answer QUIT."""

    async def handle_QUIT(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        await asyncio.sleep(2)
        return "221 Bye"


async def test_an_accepted_message_counts_as_sent_even_when_quit_outlasts_the_timeout(
    smtp_server: SmtpServer,
) -> None:
    smtp_server.sink = SlowGoodbye()
    smtp_server.start()

    mailer = SmtpMailer(config(smtp_server.port, timeout=1))
    await mailer.send(message())
    await mailer.close()  # the session's QUIT outlasts the timeout: nothing is raised

    assert len(smtp_server.sink.received) == 1


class Peers(SmtpSink):
    """Also notes the client end of the session each message came in."""

    def __init__(self) -> None:
        super().__init__()
        self.peers: list[Any] = []

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        self.peers.append(session.peer)
        return await super().handle_DATA(server, session, envelope)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


async def test_messages_in_a_row_share_one_session(smtp_server: SmtpServer) -> None:
    smtp_server.sink = sink = Peers()
    smtp_server.start()
    mailer = SmtpMailer(config(smtp_server.port))

    for to in ("a@example.org", "b@example.org", "c@example.org"):
        await mailer.send(message(to))
    await mailer.close()

    assert [r.recipients for r in sink.received] == [
        ["a@example.org"],
        ["b@example.org"],
        ["c@example.org"],
    ]
    assert len(set(sink.peers)) == 1


async def test_a_session_the_server_closed_while_idle_is_replaced_before_sending(
    smtp_server: SmtpServer,
) -> None:
    smtp_server.sink = sink = Peers()
    smtp_server.start()
    clock = Clock()
    mailer = SmtpMailer(config(smtp_server.port), clock=clock)
    await mailer.send(message("a@example.org"))

    smtp_server.stop()  # closes the idle session
    smtp_server.start()
    clock.now += 60
    await mailer.send(message("b@example.org"))
    await mailer.close()

    assert [r.recipients for r in sink.received] == [["a@example.org"], ["b@example.org"]]
    assert len(set(sink.peers)) == 2


async def test_a_session_whose_message_failed_is_not_used_again(smtp_server: SmtpServer) -> None:
    smtp_server.sink = sink = Peers()
    sink.refuse["robert@example.org"] = "550 5.1.1 No such user"
    smtp_server.start()
    mailer = SmtpMailer(config(smtp_server.port))
    await mailer.send(message("a@example.org"))

    with pytest.raises(PermanentDeliveryError):
        await mailer.send(message("robert@example.org"))
    await mailer.send(message("b@example.org"))
    await mailer.close()

    assert [r.recipients for r in sink.received] == [["a@example.org"], ["b@example.org"]]
    assert len(set(sink.peers)) == 2
