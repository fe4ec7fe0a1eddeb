"""The matcher's composition root: `create_app(settings)` wires broker, handlers, runtime, routes.

Nothing connects here: the runtime (the Mongo client, the work consumer, the background tasks) is
built in the lifespan and handed over once to the subscribers and the routes. The broker, with its
subscribers and publishers declared, is kept on `app.state.broker` for the AsyncAPI document.
"""

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime

from fastapi import FastAPI

from services.matcher.adapters import answer_routes, api
from services.matcher.adapters.handlers import register
from services.matcher.runtime import Runtime, current
from services.matcher.settings import MatcherSettings
from services.matcher.usecases.work import MatchWork
from shared.auth import protect
from shared.commands import RespondToPairing
from shared.envelope import utc_now
from shared.events import PairingEvent
from shared.health import health_router
from shared.kafka import make_broker
from shared.runtime import hand_over


def create_app(settings: MatcherSettings, *, clock: Callable[[], datetime] = utc_now) -> FastAPI:
    """`clock` is the time the matcher's decisions use (proposals, expiry, the sweeper's due
    programs, lifecycle times); tests pass a fake one to play a program's history."""
    broker = make_broker(settings, client_id="matcher")
    topics = settings.topics
    register(
        broker,
        topics,
        people_group=settings.group(settings.people_group_id),
        programs_group=settings.group(settings.programs_group_id),
        responses_group=settings.group(settings.responses_group_id),
        retry_seconds=settings.dead_letter_retry_seconds,
    )
    broker.publisher(topics.match_work, schema=MatchWork, description="Work keyed by program id.")
    broker.publisher(topics.pairings, schema=PairingEvent, description="Keyed by pairing id.")
    broker.publisher(topics.pairing_responses, schema=RespondToPairing, description="From the API.")

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime = Runtime(settings, broker, clock=clock)
        hand_over(runtime, app=app, broker=broker)
        await runtime.start()
        try:
            yield
        finally:
            await runtime.stop()

    app = FastAPI(title="matcher", lifespan=lifespan)
    app.state.broker = broker
    protect(app, settings.api_keys)
    api.install(app)
    app.include_router(answer_routes.router)
    app.include_router(health_router(lambda: current(app).checks))
    return app
