"""The notifier's composition root: `create_app(settings)` wires broker, store, mailer and routes.

Nothing connects here: the Mongo client and the SMTP mailer are built in the lifespan, and the
broker starts there, in the background (`shared.connection`), so the app serves while Kafka is down. Tests inject a `store`, a `mailer` (the transport; retries are always added)
or a `clock`.
"""

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime

from fastapi import FastAPI
from pymongo import AsyncMongoClient

from services.notifier.handlers import register
from services.notifier.mailer import Mailer, RetryingMailer, SmtpMailer
from services.notifier.notify import Notifier
from services.notifier.settings import NotifierSettings
from services.notifier.store import MongoNotificationStore, NotificationStore
from shared.connection import BrokerConnection
from shared.envelope import utc_now
from shared.health import health_router
from shared.kafka import make_broker
from shared.mongo import Document, mongo_client
from shared.publisher import BrokerPublisher


class _Parts:
    """What the lifespan builds; the subscriber and readiness checks look it up when called."""

    store: NotificationStore
    notifier: Notifier


def create_app(
    settings: NotifierSettings,
    *,
    store: NotificationStore | None = None,
    mailer: Mailer | None = None,
    clock: Callable[[], datetime] = utc_now,
) -> FastAPI:
    broker = make_broker(settings, client_id="notifier")
    parts = _Parts()
    connection = BrokerConnection(broker, retry_seconds=settings.broker_retry_seconds)
    register(
        broker,
        settings.topics,
        group_id=settings.group(settings.group_id),
        retry_seconds=settings.dead_letter_retry_seconds,
        notifier=lambda: parts.notifier,
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        client: AsyncMongoClient[Document] | None = None
        if store is None:
            client = mongo_client(settings.mongodb_uri)
            parts.store = MongoNotificationStore(client[settings.mongodb_database])
        else:
            parts.store = store
        parts.notifier = Notifier(
            store=parts.store,
            mailer=RetryingMailer(mailer or SmtpMailer(settings.smtp), settings.retry),
            publisher=BrokerPublisher(broker),
            topic=settings.topics.notifications,
            program=settings.program,
            meetings=settings.meetings,
            lease=settings.claim_lease,
            clock=clock,
        )
        connection.start()
        try:
            yield
        finally:
            await connection.stop()
            if client is not None:
                await client.close()

    app = FastAPI(title="notifier", lifespan=lifespan)
    app.state.broker = broker

    checks = {"store": lambda: parts.store.ping(), "broker": lambda: connection.alive()}
    app.include_router(health_router(checks))
    return app
