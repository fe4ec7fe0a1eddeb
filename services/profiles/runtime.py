"""The profiles runtime: what runs besides the HTTP app (the store client, the service, the
relay and the broker connection), built in the app's lifespan by `running` and handed over once
to the ingress subscriber (FastStream's context) and to the routes (`RuntimeDep`), before the
broker starts consuming."""

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, FastAPI, Request
from faststream.kafka import KafkaBroker
from pymongo import AsyncMongoClient

from services.profiles.hints import MongoHints
from services.profiles.locks import KeyedLocks
from services.profiles.metrics import BROKER_UP
from services.profiles.outbox import MongoOutboxStore, OutboxStore
from services.profiles.programs.relay import ProgramRelay
from services.profiles.programs.service import ProgramService
from services.profiles.programs.store import MongoProgramStore, ProgramStore
from services.profiles.relay import SWEEP_READ_WAIT, Relay
from services.profiles.service import ProfileService
from services.profiles.settings import ProfilesSettings
from services.profiles.store import COLLECTION, MongoProfileStore, ProfileStore
from shared.connection import BrokerConnection
from shared.health import Check
from shared.mongo import Document, answers_filters_by_index, mongo_client, ping, retried
from shared.publisher import BrokerPublisher
from shared.runtime import hand_over, runtime_of

RELAY_GRACE_SECONDS = 10.0


@dataclass(frozen=True)
class Runtime:
    settings: ProfilesSettings
    client: AsyncMongoClient[Document]
    service: ProfileService
    relay: Relay
    connection: BrokerConnection
    programs: ProgramService

    @property
    def checks(self) -> dict[str, Check]:
        """What readiness asks. Writes still succeed while only Kafka is down: their events wait
        in the outbox (see the `profiles_outbox_backlog` metric)."""
        return {"store": lambda: ping(self.client), "broker": self.connection.alive}


@contextlib.asynccontextmanager
async def running(
    settings: ProfilesSettings,
    broker: KafkaBroker,
    app: FastAPI,
    *,
    store: ProfileStore | None = None,
    outbox: OutboxStore | None = None,
    programs: ProgramStore | None = None,
) -> AsyncIterator[Runtime]:
    """Build the runtime, hand it over to `app` and its broker, then start it: the broker
    connects in the background, so the API serves while Kafka is down. `store`, `outbox` and
    `programs` replace the MongoDB adapters (tests)."""
    client = mongo_client(settings.mongodb_uri)
    database = client[settings.mongodb_database]
    profiles = store or MongoProfileStore(database)
    await profiles.ensure_indexes()
    locks = KeyedLocks()
    precise = await retried(lambda: answers_filters_by_index(database[COLLECTION]))
    relay = Relay(
        outbox or MongoOutboxStore(database, precise=precise),
        BrokerPublisher(broker),
        topic=settings.topics.profile_changes,
        locks=locks,
        hints=MongoHints(database),
        sweep_seconds=settings.relay_sweep_seconds,
        recover_seconds=settings.relay_recover_seconds,
        batch_size=settings.relay_batch_size,
        mark_every=settings.relay_mark_seconds,
        read_wait=SWEEP_READ_WAIT,
    )
    connection = BrokerConnection(broker, retry_seconds=settings.broker_retry_seconds, up=BROKER_UP)
    seen = settings.seen_event_ids_kept
    service = ProfileService(profiles, locks=locks, observer=relay, seen_kept=seen)
    program_store = programs or MongoProgramStore(database)
    await program_store.ensure_indexes()
    program_relay = ProgramRelay(
        program_store,
        BrokerPublisher(broker),
        topic=settings.topics.program_changes,
        locks=locks,
        sweep_seconds=settings.relay_sweep_seconds,
    )
    program_service = ProgramService(program_store, locks=locks, observer=program_relay)
    runtime = Runtime(settings, client, service, relay, connection, program_service)
    hand_over(runtime, app=app, broker=broker)
    connection.start()
    relaying = asyncio.create_task(relay.run(connection.ready), name="relay")
    relaying_programs = asyncio.create_task(program_relay.run(connection.ready), name="programs")
    try:
        yield runtime
    finally:
        relay.stop()
        program_relay.stop()
        await _finish(relaying, within=RELAY_GRACE_SECONDS)
        await _finish(relaying_programs, within=RELAY_GRACE_SECONDS)
        await connection.stop()
        await client.close()


def current(app: FastAPI) -> Runtime:
    """The runtime handed over to `app` (for what runs outside a request's dependencies)."""
    runtime: Runtime = runtime_of(app)
    return runtime


async def current_runtime(request: Request) -> Runtime:
    return current(request.app)


RuntimeDep = Annotated[Runtime, Depends(current_runtime)]


async def _finish(task: asyncio.Task[None], *, within: float) -> None:
    """Let `task` end by itself for `within` seconds, then cancel it."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(asyncio.shield(task), within)
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
