"""The notifier's composition root: `create_app(settings)` wires broker, handlers and routes.

Nothing connects here: the runtime (the Mongo client, the store, the notifier with its SMTP
mailer) is built in the lifespan (`runtime.py`) and handed over once to the subscriber; the
broker starts there. Tests inject a `store`, a `mailer` (the transport; retries are always added)
or a `clock`.
"""

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime

from fastapi import FastAPI

from services.notifier.api import operations_router
from services.notifier.handlers import register
from services.notifier.mailer import Mailer
from services.notifier.runtime import current, running
from services.notifier.settings import NotifierSettings
from services.notifier.store import NotificationStore
from shared.envelope import utc_now
from shared.kafka import make_broker

BROKER_PING_SECONDS = 3.0


def create_app(
    settings: NotifierSettings,
    *,
    store: NotificationStore | None = None,
    mailer: Mailer | None = None,
    clock: Callable[[], datetime] = utc_now,
) -> FastAPI:
    broker = make_broker(settings, client_id="notifier")
    register(
        broker,
        settings.topics,
        group_id=settings.group_id,
        retry_seconds=settings.dead_letter_retry_seconds,
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with running(settings, broker, app, store=store, mailer=mailer, clock=clock):
            yield

    app = FastAPI(title="notifier", lifespan=lifespan)
    app.state.broker = broker

    async def store_ready() -> bool:
        return await current(app).store.ping()

    async def broker_ready() -> bool:
        return await broker.ping(timeout=BROKER_PING_SECONDS)

    app.include_router(operations_router({"store": store_ready, "broker": broker_ready}))
    return app
