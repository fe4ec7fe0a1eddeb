"""A real SMTP server (aiosmtpd) for the notifier's tests, plus helpers to run the app for real.

The server runs in aiosmtpd's own thread on 127.0.0.1 and a free port, and keeps every message it
accepts (`envelope.content`) so tests parse exactly the bytes that crossed the wire.
"""

import email
import ssl
import subprocess
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from fastapi import FastAPI
from pydantic import TypeAdapter

from services.notifier.app import create_app
from services.notifier.mailer import Mailer
from services.notifier.settings import NotifierSettings
from services.notifier.store import NotificationStore
from shared.envelope import Envelope as Event
from shared.events import NotificationEvent
from shared.kafka import encode
from shared.topics import Topics
from tests.builders.notifier import BEFORE_EU_DST
from tests.helpers import broker_connected, free_port, read_topic


@dataclass
class Received:
    sender: str
    recipients: list[str]
    message: EmailMessage


@dataclass
class SmtpSink:
    """An aiosmtpd handler that keeps what it accepts; `refuse` maps a recipient to a reply."""

    received: list[Received] = field(default_factory=list)
    refuse: dict[str, str] = field(default_factory=dict)

    async def handle_RCPT(  # noqa: N802
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        content: Any = envelope.content
        message = email.message_from_bytes(content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.received.append(Received(str(envelope.mail_from), list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        return [r.message for r in self.received if address in r.recipients]


@dataclass
class SmtpServer:
    sink: SmtpSink
    port: int
    controller: Controller | None = None

    def start(self, **server_kwargs: Any) -> None:
        self.controller = Controller(
            self.sink, hostname="127.0.0.1", port=self.port, **server_kwargs
        )
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """A server on a free port, not yet started (for outage tests)."""
    server = SmtpServer(SmtpSink(), free_port())
    yield server
    server.stop()


@pytest.fixture
def smtp(smtp_server: SmtpServer) -> SmtpServer:
    """A running server without TLS."""
    smtp_server.start()
    return smtp_server


@pytest.fixture(scope="session")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (key, cert), made with the openssl tool."""
    folder = tmp_path_factory.mktemp("tls")
    key, cert = folder / "key.pem", folder / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True,
    )  # fmt: skip
    return key, cert


def server_tls(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(certfile=certificate[1], keyfile=certificate[0])
    return context


def notifier_settings(
    *, kafka: str, mongo_uri: str, database: str, topics: Topics, group: str, smtp_port: int
) -> NotifierSettings:
    return NotifierSettings(
        kafka_bootstrap_servers=kafka,
        mongodb_uri=mongo_uri,
        topic_prefix=topics.prefix,
        dead_letter_retry_seconds=0.2,
        mongodb_database=database,
        group_id=group,
        smtp_port=smtp_port,
        smtp_security="none",
        smtp_timeout_seconds=2,
        retry_attempts=2,
        retry_base_seconds=0.05,
        retry_max_delay_seconds=0.1,
        claim_lease_seconds=10,
    )


@pytest.fixture
def settings(
    kafka_bootstrap: str,
    mongo_uri: str,
    mongo_db: str,
    topics: Topics,
    unique: str,
    smtp_server: SmtpServer,
) -> NotifierSettings:
    return notifier_settings(
        kafka=kafka_bootstrap,
        mongo_uri=mongo_uri,
        database=mongo_db,
        topics=topics,
        group=f"notifier-{unique}",
        smtp_port=smtp_server.port,
    )


@asynccontextmanager
async def running(
    settings: NotifierSettings,
    *,
    store: NotificationStore | None = None,
    mailer: Mailer | None = None,
    clock: Callable[[], datetime] = lambda: BEFORE_EU_DST,
) -> AsyncIterator[FastAPI]:
    """The app with its lifespan: broker connected, consuming for real."""
    app = create_app(settings, store=store, mailer=mailer, clock=clock)
    async with app.router.lifespan_context(app):
        await broker_connected(app)
        yield app


async def publish_raw(bootstrap: str, topic: str, key: str, value: bytes) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:
        await producer.send_and_wait(topic, value, key=key.encode())
    finally:
        await producer.stop()


async def publish_event(bootstrap: str, topic: str, key: str, event: Event) -> None:
    await publish_raw(bootstrap, topic, key, encode(event))


async def notifications(bootstrap: str, topics: Topics, *, count: int) -> list[Any]:
    """The first `count` notification events, with their keys, as (key, event)."""
    adapter: TypeAdapter[Any] = TypeAdapter(NotificationEvent)
    records = await read_topic(bootstrap, topics.notifications, count=count)
    return [
        (r.key.decode() if r.key else "", adapter.validate_json(r.value or b"")) for r in records
    ]
