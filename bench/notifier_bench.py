"""Notifier benchmark: emails rendered and delivered per second through the service's own path,
beside a bare aiosmtplib send loop of the same messages, in the same run, to the same server.

    python -m bench.notifier_bench [--pairings 200] [--rounds 3]

The service path is `Notifier.pairing_proposed` per event, as the consumer calls it: plan the
meeting and keep the schedule (Mongo), then per person render (text, HTML, iCalendar), claim the
notification record (Mongo), send over SMTP (sessions kept open between emails, through the
retrying mailer), record the outcome with its outbox event (Mongo), and finally read and mark the
outbox (Mongo). Publishing to Kafka is replaced by a no-op, so the figure isolates the notifier's
own work. The baseline sends the very messages the service rendered, with `aiosmtplib.send` in a
loop (a new connection per message). Both are sequential, like one partition's consumer. Needs
MongoDB or FerretDB (`MONGODB_URI`).
"""

import argparse
import asyncio
import logging
import os
import socket
import statistics
import time
import uuid
from email.message import EmailMessage

import aiosmtplib
import structlog
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from services.notifier.compose import plan_schedule
from services.notifier.drafts import address
from services.notifier.letters import proposal_emails
from services.notifier.mailer import RetryingMailer, SmtpMailer
from services.notifier.notify import Notifier
from services.notifier.settings import NotifierSettings
from services.notifier.store import MongoNotificationStore
from shared.events import PairingProposed
from shared.mongo import mongo_client
from shared.publisher import Message
from tests.builders.notifier import BEFORE_EU_DST, berliner, new_yorker, proposed
from tests.fakes.notifier import FakeStore


class Accepting:
    """Accepts every message and only counts it, so the server costs both sides the same."""

    def __init__(self) -> None:
        self.count = 0

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        self.count += len(envelope.rcpt_tos)
        return "250 OK"


class Recording:
    """Wraps the real mailer and keeps each message, to replay the same ones in the baseline."""

    def __init__(self, inner: SmtpMailer) -> None:
        self.inner, self.messages = inner, list[EmailMessage]()

    async def send(self, message: EmailMessage) -> None:
        await self.inner.send(message)
        self.messages.append(message)


class NoPublisher:
    """Publishes nothing: the benchmark measures composing, storing and sending."""

    async def publish(self, message: Message) -> None:
        return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def events(count: int) -> list[PairingProposed]:
    return [
        proposed(
            younger=berliner(email=f"young{i}@example.org"),
            older=new_yorker(email=f"old{i}@example.org"),
        )
        for i in range(count)
    ]


async def service_round(
    settings: NotifierSettings, batch: list[PairingProposed], *, in_memory: bool = False
) -> tuple[float, list[EmailMessage]]:
    """One round in a new database of its own, so rounds compare: FerretDB v1's updates slow
    down as a collection grows, which a growing database would mix into the figure. With
    `in_memory`, the test suite's in-memory store replaces Mongo, to show the store's share."""
    database = f"bench_notifier_{uuid.uuid4().hex[:8]}"
    client = mongo_client(settings.mongodb_uri)
    smtp = SmtpMailer(settings.smtp)
    recording = Recording(smtp)
    store = FakeStore() if in_memory else MongoNotificationStore(client[database])
    notifier = Notifier(
        store=store,
        mailer=RetryingMailer(recording, settings.retry),
        publisher=NoPublisher(),
        topic="notifications",
        program=settings.program,
        meetings=settings.meetings,
        lease=settings.claim_lease,
        invite_key=b"bench-invite-key",
        clock=lambda: BEFORE_EU_DST,
    )
    try:
        started = time.perf_counter()
        for event in batch:
            await notifier.pairing_proposed(event)
        elapsed = time.perf_counter() - started
    finally:
        await smtp.close()
        await client.drop_database(database)
        await client.close()
    return len(recording.messages) / elapsed, recording.messages


async def bare_round(settings: NotifierSettings, messages: list[EmailMessage]) -> float:
    started = time.perf_counter()
    for message in messages:
        await aiosmtplib.send(message, hostname=settings.smtp_host, port=settings.smtp_port)
    return len(messages) / (time.perf_counter() - started)


def render_round(settings: NotifierSettings, batch: list[PairingProposed]) -> float:
    """Rendering alone (pure), for where the time goes."""
    started, rendered = time.perf_counter(), 0
    for event in batch:
        schedule = plan_schedule(event.data, settings.meetings, BEFORE_EU_DST, uid_key=b"bench")
        for draft in proposal_emails(
            event, schedule, program=settings.program, policy=settings.meetings
        ):
            address(draft, program=settings.program, now=BEFORE_EU_DST)
            rendered += 1
    return rendered / (time.perf_counter() - started)


async def main(pairings: int, rounds: int) -> None:
    port, sink = free_port(), Accepting()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    settings = NotifierSettings(
        mongodb_uri=os.environ.get("MONGODB_URI", "mongodb://127.0.0.1:27017/"),
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_security="none",
    )
    service, bare, render, memory = [], [], [], []
    try:
        await service_round(settings, events(10))  # warm-up: connections, imports, caches
        for _ in range(rounds):
            rate, messages = await service_round(settings, events(pairings))
            service.append(rate)
            bare.append(await bare_round(settings, messages))
            render.append(render_round(settings, events(pairings)))
            memory.append((await service_round(settings, events(pairings), in_memory=True))[0])
    finally:
        controller.stop()
    report(pairings, rounds, sink.count, service=service, bare=bare, render=render, memory=memory)


def report(
    pairings: int,
    rounds: int,
    accepted: int,
    *,
    service: list[float],
    bare: list[float],
    render: list[float],
    memory: list[float],
) -> None:
    s, b = statistics.median(service), statistics.median(bare)
    r, m = statistics.median(render), statistics.median(memory)
    print(f"notifier bench: {pairings} pairings = {2 * pairings} emails per round, {rounds} rounds")
    print("  medians, emails per second:")
    print(f"  service path (render + claim + send + mark; Mongo + SMTP): {s:8.1f}")
    print(f"  bare aiosmtplib.send loop, the same messages:             {b:8.1f}")
    print(f"  ratio service / bare:                                     {s / b:8.2f}")
    print(
        f"  service path with an in-memory store instead of Mongo:    {m:8.1f}  ({m / b:.2f} of bare)"
    )
    print(f"  rendering alone (text + HTML + iCalendar, no I/O):        {r:8.1f}")
    print(f"  all rounds: service {fmt(service)}; bare {fmt(bare)}; in-memory {fmt(memory)}")
    print(f"  emails accepted by the server: {accepted}")


def fmt(values: list[float]) -> str:
    return ", ".join(f"{v:.0f}" for v in values)


if __name__ == "__main__":
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pairings", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    asyncio.run(main(args.pairings, args.rounds))
