"""The notifier's composition root: `create_app(settings)` wires broker, store, mailer and routes.

Nothing connects here: the Mongo client and the SMTP mailer are built in the lifespan, and the
broker starts there. Tests inject a `store`, a `mailer` (the transport; retries are always added)
or a `clock`.
"""

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime

from fastapi import FastAPI
from pymongo import AsyncMongoClient

from services.notifier.api import operations_router
from services.notifier.handlers import register
from services.notifier.mailer import Mailer, RetryingMailer, SmtpMailer
from services.notifier.notify import Notifier
from services.notifier.settings import NotifierSettings
from services.notifier.store import MongoNotificationStore, NotificationStore
from shared.envelope import utc_now
from shared.kafka import make_broker
from shared.mongo import Document, mongo_client
from shared.publisher import BrokerPublisher

BROKER_PING_SECONDS = 3.0


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
    register(
        broker,
        settings.topics,
        group_id=settings.group_id,
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
        await broker.start()
        try:
            yield
        finally:
            await broker.stop()
            if client is not None:
                await client.close()

    app = FastAPI(title="notifier", lifespan=lifespan)
    app.state.broker = broker

    async def store_ready() -> bool:
        return await parts.store.ping()

    async def broker_ready() -> bool:
        return await broker.ping(timeout=BROKER_PING_SECONDS)

    app.include_router(operations_router({"store": store_ready, "broker": broker_ready}))
    return app
