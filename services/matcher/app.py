"""The matcher's composition root: `create_app(settings)` wires broker, handlers, runtime, routes.

Nothing connects here: the Mongo client, the work consumer and the background tasks are built and
started in the lifespan. The broker, with its subscribers and publishers declared, is kept on
`app.state.broker` for the AsyncAPI document.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from services.matcher.adapters import api
from services.matcher.adapters.handlers import Services, register
from services.matcher.runtime import Runtime
from services.matcher.settings import MatcherSettings
from services.matcher.usecases.work import MatchWork
from shared.commands import RespondToPairing
from shared.events import PairingEvent
from shared.health import health_router
from shared.kafka import make_broker


def create_app(settings: MatcherSettings) -> FastAPI:
    broker = make_broker(settings, client_id="matcher")
    services = Services()
    topics = settings.topics
    register(
        broker,
        topics,
        people_group=settings.group(settings.people_group_id),
        responses_group=settings.group(settings.responses_group_id),
        services=services,
        retry_seconds=settings.dead_letter_retry_seconds,
    )
    broker.publisher(topics.match_work, schema=MatchWork, description="Work keyed by program id.")
    broker.publisher(topics.pairings, schema=PairingEvent, description="Keyed by pairing id.")
    broker.publisher(topics.pairing_responses, schema=RespondToPairing, description="From the API.")

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime = Runtime(settings, broker, services)
        app.state.runtime = runtime
        app.state.send_answer = runtime.send_answer
        await runtime.start()
        try:
            yield
        finally:
            await runtime.stop()

    app = FastAPI(title="matcher", lifespan=lifespan)
    app.state.broker = broker
    app.state.services = services
    api.install(app)
    app.include_router(health_router(lambda: app.state.runtime.checks))
    return app
