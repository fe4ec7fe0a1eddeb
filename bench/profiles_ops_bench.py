"""The store operations one profile event costs, counted, per kind of event.

    python -m bench.profiles_ops_bench [--items 50] [--preload 5000]

Runs the profiles service in this process (its lifespan: relay, ingress consumer, HTTP app through
ASGI) on fresh topics and a fresh database that already holds `--preload` profiles, and records
every command its store clients send (PyMongo command monitoring, `bench.opstats` shapes). Six
phases of `--items` events each: HTTP creates, HTTP updates (PATCH), ingress creates, ingress
changes, import rows of new profiles, import rows that change a profile (the import as
`python -m services.profiles.cli import` runs it, in this process). A phase ends when every event
is published and marked sent (no outbox entry left). Printed per phase: each command shape, its
count per event and its mean time. Sweeps and polls that run on a timer are counted too (divided
by the events like the rest): they are part of what a phase cost. Not a test: no asserts.
"""

import argparse
import asyncio
import itertools
import time
import uuid
from collections.abc import Awaitable, Callable

import httpx
from aiokafka import AIOKafkaProducer
from pymongo import monitoring
from pymongo.asynchronous.collection import AsyncCollection

from bench.opstats import Recorder
from bench.profiles_bench import KEY, _cleanup, _until, fields, settings_for, stored_record
from services.profiles import cli
from services.profiles.app import create_app
from services.profiles.importer import Row
from services.profiles.records import to_document
from services.profiles.settings import ProfilesSettings
from services.profiles.store import COLLECTION, MongoProfileStore
from shared.commands import ProfileChangeRequest, UpdateProfile
from shared.kafka import ensure_topics
from shared.logging import configure_logging
from shared.mongo import Document, mongo_client
from shared.profile import ProfilePatch

PENDING = {"outbox.0": {"$exists": True}}


async def preload(settings: ProfilesSettings, count: int, run: str) -> None:
    """`count` published profiles, inserted directly (their outboxes empty)."""
    client = mongo_client(settings.mongodb_uri)
    database = client[settings.mongodb_database]
    await MongoProfileStore(database).ensure_indexes()
    for start in range(0, count, 500):
        documents = [
            to_document(stored_record(n, run)) | {"_id": f"pre{n}", "outbox": []}
            for n in range(start, min(start + 500, count))
        ]
        await database[COLLECTION].insert_many(documents)
    await client.close()


async def settled(done: Callable[[], Awaitable[bool]], every: float = 0.2) -> None:
    """Poll `done` until it answers True (a bench waits as long as it takes)."""
    for _ in itertools.count():
        if await done():
            return
        await asyncio.sleep(every)


async def phase(
    name: str,
    recorder: Recorder,
    items: int,
    act: Callable[[], Awaitable[None]],
    done: Callable[[], Awaitable[bool]],
) -> None:
    """Run `act`, wait until `done`, and print what the store saw meanwhile, per event."""
    with recorder.lock:
        recorder.totals.clear()
    started = time.perf_counter()
    await act()
    await settled(done)
    took = time.perf_counter() - started
    with recorder.lock:
        rows = {label: (int(c), ms) for label, (c, ms) in recorder.totals.items()}
    print(f"\n{name}: {items} events in {took:.1f} s")
    for label, (count, ms) in sorted(rows.items(), key=lambda kv: -kv[1][1]):
        print(f"  {count / items:7.2f} per event  {ms / max(count, 1):8.2f} ms each  {label}")


async def main(items: int, preloaded: int) -> None:
    run = uuid.uuid4().hex[:8]
    settings = settings_for(run).model_copy(
        update={"relay_sweep_seconds": 5.0, "relay_mark_seconds": 1.0}
    )
    checker = mongo_client(settings.mongodb_uri)  # made before the recorder: not counted
    profiles = checker[settings.mongodb_database][COLLECTION]

    async def published() -> bool:
        return await profiles.count_documents(PENDING) == 0

    await ensure_topics(settings.kafka_bootstrap_servers, settings.topics)
    await preload(settings, preloaded, run)
    recorder = Recorder()
    monitoring.register(recorder)
    print(f"profiles store operations per event: {items} events per phase, {preloaded} stored")
    app = create_app(settings)
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap_servers, acks="all")
    await producer.start()
    async with app.router.lifespan_context(app), _cleanup(settings):
        await _until(app.state.runtime.connection.ready.is_set)
        await settled(published)
        transport = httpx.ASGITransport(app)
        headers = {"X-API-Key": KEY}
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
            ids: list[str] = []

            async def creates() -> None:
                for n in range(items):
                    body = fields(1_000_000 + n, run).model_dump(mode="json")
                    response = await http.post("/profiles", json=body, headers=headers)
                    ids.append(response.raise_for_status().json()["id"])

            async def updates() -> None:
                for profile_id in ids:
                    patch = {"name": f"Renamed {profile_id}"}
                    response = await http.patch(
                        f"/profiles/{profile_id}", json=patch, headers=headers
                    )
                    response.raise_for_status()

            await phase("HTTP create (POST)", recorder, items, creates, published)
            await phase("HTTP update (PATCH)", recorder, items, updates, published)

        def ingress(requests: list[ProfileChangeRequest]) -> Callable[[], Awaitable[None]]:
            async def send() -> None:
                for request in requests:
                    command = UpdateProfile(producer="bench", data=request)
                    value = command.model_dump_json(exclude_unset=True).encode()
                    await producer.send(
                        settings.topics.profile_updates, value, key=request.profile_id.encode()
                    )
                await producer.flush()

            return send

        new = [f"in{n}" for n in range(items)]
        creates_in = [
            ProfileChangeRequest(op="upsert", profile_id=pid, profile=fields(2_000_000 + n, run))
            for n, pid in enumerate(new)
        ]
        changes_in = [
            ProfileChangeRequest(op="patch", profile_id=pid, patch=ProfilePatch(name="Changed"))
            for pid in new
        ]
        await phase(
            "ingress create", recorder, items, ingress(creates_in), _applied(profiles, new, 1)
        )
        await phase(
            "ingress change", recorder, items, ingress(changes_in), _applied(profiles, new, 2)
        )

        rows = [Row(n, f"im{n}", fields=fields(3_000_000 + n, run)) for n in range(items)]
        changed = [
            Row(r.line, r.profile_id, fields=r.fields.model_copy(update={"name": "Changed"}))
            for r in rows
            if r.fields
        ]

        def importing(batch: list[Row]) -> Callable[[], Awaitable[None]]:
            async def go() -> None:
                await cli._import(settings, batch, about=len(batch), source="bench")

            return go

        await phase("import row, new profile", recorder, items, importing(rows), published)
        await phase("import row, changed profile", recorder, items, importing(changed), published)
    await producer.stop()
    await checker.close()


def _applied(
    profiles: AsyncCollection[Document], ids: list[str], version: int
) -> Callable[[], Awaitable[bool]]:
    """Every profile in `ids` at `version` and nothing left to publish."""

    async def check() -> bool:
        for profile_id in ids:
            document = await profiles.find_one({"_id": profile_id})
            if document is None or document["version"] < version:
                return False
        return await profiles.count_documents(PENDING) == 0

    return check


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=50)
    parser.add_argument("--preload", type=int, default=5000)
    options = parser.parse_args()
    configure_logging(service="profiles-ops", level="WARNING", json=True)
    asyncio.run(main(options.items, options.preload))
