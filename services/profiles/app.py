"""Composition root of the profiles service: builds the broker, subscribes the ingress handler,
includes the routes, and (in the lifespan, never at import) starts the runtime (`runtime.py`) and
hands it over once to the subscriber and the routes. Nothing here decides anything about
profiles."""

import contextlib
from collections.abc import AsyncIterator

from fastapi import FastAPI

from services.profiles import handlers, problems, program_routes, routes
from services.profiles.middleware import BodyLimitMiddleware, ObservabilityMiddleware
from services.profiles.outbox import OutboxStore
from services.profiles.runtime import current, running
from services.profiles.settings import ProfilesSettings
from services.profiles.store import ProfileStore
from shared.auth import protect
from shared.events import ProfileEvent, ProgramChanged
from shared.health import health_router
from shared.kafka import make_broker


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
    broker.publisher(
        settings.topics.program_changes,
        title="to_program_changes",
        description="ProgramChanged, keyed by program id, in version order.",
        schema=ProgramChanged,
    )

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with running(settings, broker, app, store=store, outbox=outbox):
            yield

    app = FastAPI(
        title="Profiles",
        version="1.0.0",
        description="The system of record for people in reverse-mentoring programs, and for the "
        "programs.",
        lifespan=lifespan,
    )
    app.state.broker = broker
    handlers.register(broker, settings)
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(ObservabilityMiddleware)
    protect(app, settings.api_keys)
    problems.install(app)
    app.include_router(routes.router)
    app.include_router(program_routes.router)
    app.include_router(health_router(lambda: current(app).checks))
    return app
