"""Throughput of the profiles service beside the raw cost of the same work, measured in one run.

    python -m bench.profiles_bench [--items 1000] [--concurrency 16]

Endpoints come from `KAFKA_BOOTSTRAP_SERVERS` and `MONGODB_URI`, as for the services; every run
uses fresh topics and databases. Four figures, each end to end (the clock stops when the last
canonical event can be read from Kafka):

- raw, concurrent: `concurrency` workers, each item one MongoDB upsert plus one awaited Kafka
  produce (idempotent, acks=all) of a pre-built event: the floor of any "store, then announce".
- API writes: `concurrency` clients POST /profiles in-process (ASGI, httpx); the service
  validates, writes profile and outbox in one document, and its relay publishes.
- raw, sequential: the same raw work by one worker.
- ingress: `UpdateProfile` upserts on the ingress topic, applied by the consumer (one message at
  a time, committed after the write, as ordering per key demands) and published by the relay;
  set beside the sequential raw rate, since a consumer applies one partition in order.

It prints each rate and the ratio path/raw (the target is at least 0.5). Not a test: no asserts.
"""

import argparse
import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient

from services.profiles.app import create_app
from services.profiles.changes import Origin, decide
from services.profiles.records import ProfileRecord, to_document
from services.profiles.service import now_ms
from services.profiles.settings import ProfilesSettings
from services.profiles.store import COLLECTION, MongoProfileStore
from shared.commands import ProfileChangeRequest, UpdateProfile
from shared.kafka import ensure_topics
from shared.logging import configure_logging
from shared.mongo import mongo_client
from shared.profile import ProfileFields

KEY = "bench-admin-key"


def fields(n: int, run: str) -> ProfileFields:
    return ProfileFields.model_validate(
        {
            "program_id": f"bench-{run}",
            "name": f"Person {n}",
            "email": f"person{n}-{run}@example.org",
            "birth_year": 1960 + n % 45,
            "languages": ["en", "de"],
            "timezone": "Europe/Berlin",
            "availability": {"tue": [{"start": "17:00", "end": "19:00"}]},
            "skills_offered": {"vocabulary": ["strategy", "leadership"]},
            "skills_wanted": {"vocabulary": ["ai_tools"]},
            "department": "Finance",
        }
    )


def settings_for(run: str) -> ProfilesSettings:
    return ProfilesSettings(
        topic_prefix=f"bench{run}.",
        mongodb_database=f"bench{run}",
        api_keys={KEY: ["admin"]},
        ingress_group_id=f"bench-{run}",
        relay_sweep_seconds=60.0,  # only the wake-up path publishes during the run
    )


async def events_read(bootstrap: str, topic: str, expected: int) -> float:
    """The moment `expected` records can be read from `topic`."""
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", enable_auto_commit=False
    )
    await consumer.start()
    seen = 0
    try:
        while seen < expected:
            batches = await consumer.getmany(timeout_ms=100)
            seen += sum(len(records) for records in batches.values())
    finally:
        await consumer.stop()
    return time.perf_counter()


async def in_workers(count: int, concurrency: int, work: Callable[[int], Awaitable[None]]) -> None:
    queue: asyncio.Queue[int] = asyncio.Queue()
    for n in range(count):
        queue.put_nowait(n)

    async def worker() -> None:
        while not queue.empty():
            await work(queue.get_nowait())

    await asyncio.gather(*(worker() for _ in range(concurrency)))


async def raw(settings: ProfilesSettings, count: int, concurrency: int, run: str) -> float:
    """Items per second of a bare upsert plus produce of exactly what the service stores and
    publishes (the same document, in a collection with the same unique index, and the same
    event), with none of the service's checks, versioning or outbox bookkeeping."""
    topics = settings.topics
    await ensure_topics(settings.kafka_bootstrap_servers, topics)
    records = [stored_record(n, run) for n in range(count)]
    documents = [to_document(record) for record in records]
    payloads = [record.outbox[-1].payload.encode() for record in records]
    client = mongo_client(settings.mongodb_uri)
    database = client[settings.mongodb_database]
    await MongoProfileStore(database).ensure_indexes()
    producer = AIOKafkaProducer(
        bootstrap_servers=settings.kafka_bootstrap_servers, acks="all", enable_idempotence=True
    )
    await producer.start()

    async def one(n: int) -> None:
        document = documents[n]
        await database[COLLECTION].update_one(
            {"_id": document["_id"]}, {"$set": document}, upsert=True
        )
        await producer.send_and_wait(topics.profile_changes, payloads[n], key=f"p{n}".encode())

    async with _cleanup(settings):
        try:
            started = time.perf_counter()
            await in_workers(count, concurrency, one)
            return count / (time.perf_counter() - started)
        finally:
            await producer.stop()
            await client.close()


def stored_record(n: int, run: str) -> ProfileRecord:
    """The record the service stores for a new profile, made by the service's own rules."""
    request = ProfileChangeRequest(op="upsert", profile_id=f"p{n}", profile=fields(n, run))
    record = decide(None, request, Origin(producer="bench"), now=now_ms()).record
    assert record is not None
    return record


async def through_api(settings: ProfilesSettings, count: int, concurrency: int, run: str) -> float:
    """Profiles per second created over HTTP and announced on the canonical topic."""
    await ensure_topics(settings.kafka_bootstrap_servers, settings.topics)
    bodies = [fields(n, run).model_dump(mode="json") for n in range(count)]
    app = create_app(settings)
    async with app.router.lifespan_context(app), _cleanup(settings):
        await _until(app.state.runtime.connection.ready.is_set)
        transport = httpx.ASGITransport(app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            reading = asyncio.create_task(
                events_read(
                    settings.kafka_bootstrap_servers, settings.topics.profile_changes, count
                )
            )

            async def one(n: int) -> None:
                response = await client.post(
                    "/profiles", json=bodies[n], headers={"X-API-Key": KEY}
                )
                response.raise_for_status()

            started = time.perf_counter()
            await in_workers(count, concurrency, one)
            return count / (await reading - started)


async def through_ingress(settings: ProfilesSettings, count: int, run: str) -> float:
    """Ingress requests per second turned into canonical events."""
    await ensure_topics(settings.kafka_bootstrap_servers, settings.topics)
    commands = [
        UpdateProfile(
            producer="bench",
            data=ProfileChangeRequest(op="upsert", profile_id=f"p{n}", profile=fields(n, run)),
        )
        for n in range(count)
    ]
    payloads = [(c.data.profile_id.encode(), c.model_dump_json().encode()) for c in commands]
    app = create_app(settings)
    producer = AIOKafkaProducer(
        bootstrap_servers=settings.kafka_bootstrap_servers, acks="all", enable_idempotence=True
    )
    await producer.start()
    async with app.router.lifespan_context(app), _cleanup(settings):
        await _until(app.state.runtime.connection.ready.is_set)
        reading = asyncio.create_task(
            events_read(settings.kafka_bootstrap_servers, settings.topics.profile_changes, count)
        )
        started = time.perf_counter()
        for key, value in payloads:
            await producer.send(settings.topics.profile_updates, value, key=key)
        await producer.flush()
        finished = await reading
    await producer.stop()
    return count / (finished - started)


@contextlib.asynccontextmanager
async def _cleanup(settings: ProfilesSettings) -> AsyncIterator[None]:
    """Drop the run's database and delete its topics afterwards."""
    try:
        yield
    finally:
        client = mongo_client(settings.mongodb_uri)
        await client.drop_database(settings.mongodb_database)
        await client.close()
        admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap_servers)
        await admin.start()
        try:
            await admin.delete_topics(settings.topics.all())
        finally:
            await admin.close()


async def _until(check: Callable[[], bool], within: float = 60.0) -> None:
    deadline = time.monotonic() + within
    while not check():
        if time.monotonic() > deadline:
            raise SystemExit("Kafka did not become reachable")
        await asyncio.sleep(0.05)


def run_id() -> str:
    return uuid.uuid4().hex[:8]


async def main(count: int, concurrency: int) -> None:
    print(f"profiles benchmark: {count} items, concurrency {concurrency}")
    raw_concurrent = await raw(settings_for(run_id()), count, concurrency, run_id())
    api = await through_api(settings_for(run_id()), count, concurrency, run_id())
    raw_sequential = await raw(settings_for(run_id()), count, 1, run_id())
    ingress = await through_ingress(settings_for(run_id()), count, run_id())
    rows = [
        ("raw upsert + produce, concurrent", raw_concurrent, None),
        ("API writes -> canonical events", api, api / raw_concurrent),
        ("raw upsert + produce, sequential", raw_sequential, None),
        ("ingress -> canonical events", ingress, ingress / raw_sequential),
    ]
    for name, rate, ratio in rows:
        share = f"   ratio {ratio:.2f} (target >= 0.50)" if ratio is not None else ""
        print(f"{name:<36} {rate:8.1f} items/s{share}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=16)
    options = parser.parse_args()
    configure_logging(service="profiles-bench", level="WARNING", json=True)
    asyncio.run(main(options.items, options.concurrency))
