"""Composition root of the profiles service: builds the broker, subscribes the ingress handler,
and (in the lifespan, never at import) the store client, the service, the relay and the broker
connection. Nothing here decides anything about profiles."""

import asyncio
import contextlib
from collections.abc import AsyncIterator

from fastapi import FastAPI

from services.profiles import handlers, problems, routes
from services.profiles.locks import KeyedLocks
from services.profiles.metrics import BROKER_UP
from services.profiles.middleware import BodyLimitMiddleware, ObservabilityMiddleware
from services.profiles.outbox import MongoOutboxStore, OutboxStore
from services.profiles.relay import Relay
from services.profiles.service import ProfileService
from services.profiles.settings import ProfilesSettings
from services.profiles.store import MongoProfileStore, ProfileStore
from shared.connection import BrokerConnection
from shared.events import ProfileEvent
from shared.health import health_router
from shared.kafka import make_broker
from shared.mongo import mongo_client, ping
from shared.publisher import BrokerPublisher

RELAY_GRACE_SECONDS = 10.0


def create_app(
    settings: ProfilesSettings,
    *,
    store: ProfileStore | None = None,
    outbox: OutboxStore | None = None,
) -> FastAPI:
    """The app; `store` and `outbox` replace the MongoDB adapters (tests)."""
    broker = make_broker(settings, client_id="profiles")
    broker.publisher(
        settings.topics.profile_changes,
        title="to_profile_changes",
        description="ProfileChanged / ProfileDeleted, keyed by profile id, in version order; "
        "a deletion is followed by a tombstone (null value).",
        schema=ProfileEvent,
    )

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        client = mongo_client(settings.mongodb_uri)
        database = client[settings.mongodb_database]
        profiles = store or MongoProfileStore(database)
        await profiles.ensure_indexes()
        locks = KeyedLocks()
        relay = Relay(
            outbox or MongoOutboxStore(database),
            BrokerPublisher(broker),
            topic=settings.topics.profile_changes,
            locks=locks,
            sweep_seconds=settings.relay_sweep_seconds,
            batch_size=settings.relay_batch_size,
            mark_every=settings.relay_mark_seconds,
        )
        app.state.mongo = client
        app.state.service = ProfileService(
            profiles, locks=locks, observer=relay, seen_kept=settings.seen_event_ids_kept
        )
        app.state.relay = relay
        app.state.connection = connection = BrokerConnection(
            broker, retry_seconds=settings.broker_retry_seconds, up=BROKER_UP
        )
        connection.start()
        relaying = asyncio.create_task(relay.run(connection.ready), name="relay")
        try:
            yield
        finally:
            relay.stop()
            await _finish(relaying, within=RELAY_GRACE_SECONDS)
            await connection.stop()
            await client.close()

    app = FastAPI(
        title="Profiles",
        version="1.0.0",
        description="The system of record for people in reverse-mentoring programs.",
        lifespan=lifespan,
    )
    app.state.broker = broker
    app.state.settings = settings
    handlers.register(broker, settings, lambda: app.state.service)
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(ObservabilityMiddleware)
    problems.install(app)
    app.include_router(routes.router)
    # Writes still succeed while only Kafka is down: their events wait in the outbox.
    checks = {
        "store": lambda: ping(app.state.mongo),
        "broker": lambda: app.state.connection.alive(),
    }
    app.include_router(health_router(checks))
    return app


async def _finish(task: asyncio.Task[None], *, within: float) -> None:
    """Let `task` end by itself for `within` seconds, then cancel it."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(asyncio.shield(task), within)
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
