"""The notifier's runtime: the store and the notifier with its mailer, built in the app's
lifespan by `running` and handed over once to the subscriber (FastStream's context) and to the
readiness checks, before the broker starts consuming."""

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime

from fastapi import FastAPI
from faststream.kafka import KafkaBroker
from pymongo import AsyncMongoClient

from services.notifier.inbound import CalendarReplies, serve
from services.notifier.mailer import Mailer, RetryingMailer, SmtpMailer
from services.notifier.notify import Notifier
from services.notifier.programs import NoRecords, ProgramRecords
from services.notifier.recent_programs import RecentPrograms
from services.notifier.settings import NotifierSettings
from services.notifier.store import MongoNotificationStore, NotificationStore
from services.notifier.unsubscribe import UnsubscribeLinks
from shared.connection import BrokerConnection
from shared.envelope import utc_now
from shared.health import Check
from shared.mongo import Document, mongo_client
from shared.program_records import MongoProgramRecords
from shared.publisher import BrokerPublisher
from shared.runtime import hand_over, runtime_of


@dataclass(frozen=True)
class Runtime:
    store: NotificationStore
    notifier: Notifier
    connection: BrokerConnection
    programs: ProgramRecords
    unsubscribe: UnsubscribeLinks | None = None
    clock: Callable[[], datetime] = utc_now

    @property
    def checks(self) -> dict[str, Check]:
        """What readiness asks: the store and the broker."""
        return {"store": self.store.ping, "broker": self.connection.alive}


@contextlib.asynccontextmanager
async def running(
    settings: NotifierSettings,
    broker: KafkaBroker,
    app: FastAPI,
    *,
    store: NotificationStore | None,
    mailer: Mailer | None,
    clock: Callable[[], datetime],
    programs: ProgramRecords | None = None,
) -> AsyncIterator[Runtime]:
    """Build the runtime, hand it over, start the broker in the background; `store` and
    `mailer` (the transport: retries are always added) replace the real ones (tests). With a
    `store` given, the program records are kept only if `programs` is given too."""
    client: AsyncMongoClient[Document] | None = None
    notifications: NotificationStore
    records: ProgramRecords = programs or NoRecords()
    if store is None:
        client = mongo_client(settings.mongodb_uri)
        notifications = MongoNotificationStore(client[settings.mongodb_database])
        records = RecentPrograms(programs or MongoProgramRecords(client[settings.mongodb_database]))
    else:
        notifications = store
    smtp: SmtpMailer | None = None
    if mailer is None:
        mailer = smtp = SmtpMailer(settings.smtp)
    notifier = Notifier(
        store=notifications,
        mailer=RetryingMailer(mailer, settings.retry),
        publisher=BrokerPublisher(broker),
        topic=settings.topics.notifications,
        program=settings.program,
        meetings=settings.meetings,
        lease=settings.claim_lease,
        invite_key=settings.invite_key.get_secret_value().encode(),
        clock=clock,
        links=settings.answer_links(),
        programs=records,
        unsubscribe=settings.unsubscribe_links(),
        alarm=settings.alarm,
    )
    connection = BrokerConnection(broker, retry_seconds=settings.broker_retry_seconds)
    unsubscribe = settings.unsubscribe_links()
    runtime = Runtime(notifications, notifier, connection, records, unsubscribe, clock)
    hand_over(runtime, app=app, broker=broker)
    connection.start()
    inbound = await _inbound(settings, notifications, broker)
    try:
        yield runtime
    finally:
        if inbound is not None:
            inbound.close()
            await inbound.wait_closed()
        await connection.stop()
        if smtp is not None:
            await smtp.close()  # after the consumers stopped: no send is running
        if client is not None:
            await client.close()


async def _inbound(
    settings: NotifierSettings, store: NotificationStore, broker: KafkaBroker
) -> asyncio.Server | None:
    """The calendar replies' endpoint, when a port is set."""
    if settings.inbound_port is None:
        return None
    handler = CalendarReplies(
        store, BrokerPublisher(broker), topic=settings.topics.pairing_responses
    )
    return await serve(
        handler,
        host=settings.inbound_host,
        port=settings.inbound_port,
        protocol=settings.inbound_protocol,
    )


def current(app: FastAPI) -> Runtime:
    """The runtime handed over to `app` (for checks that run outside a request's dependencies)."""
    runtime: Runtime = runtime_of(app)
    return runtime
