"""The notifier's composition root: `create_app(settings)` wires broker, handlers and routes.

Nothing connects here: the runtime (the Mongo client, the store, the notifier with its SMTP
mailer, the broker connection) is built in the lifespan (`runtime.py`) and handed over once to the
subscriber; the broker starts there, in the background (`shared.connection`), so the app serves
while Kafka is down. Tests inject a `store`, a `mailer` (the transport; retries are always added)
or a `clock`.
"""

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime

from fastapi import FastAPI

from services.notifier.handlers import register
from services.notifier.mailer import Mailer
from services.notifier.runtime import current, running
from services.notifier.settings import NotifierSettings
from services.notifier.store import NotificationStore
from services.notifier.unsubscribe_routes import router as unsubscribe_router
from shared.auth import protect
from shared.envelope import utc_now
from shared.health import health_router
from shared.kafka import make_broker


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
        group_id=settings.group(settings.group_id),
        programs_group_id=settings.group(settings.programs_group_id),
        retry_seconds=settings.dead_letter_retry_seconds,
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with running(settings, broker, app, store=store, mailer=mailer, clock=clock):
            yield

    app = FastAPI(title="notifier", lifespan=lifespan)
    app.state.broker = broker
    protect(app, settings.api_keys)
    app.include_router(health_router(lambda: current(app).checks))
    app.include_router(unsubscribe_router)
    return app
