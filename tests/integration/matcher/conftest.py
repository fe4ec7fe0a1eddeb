"""Fixtures for running the matcher against the real broker and store."""

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer
from fastapi import FastAPI
from pydantic import TypeAdapter

from services.matcher.app import create_app
from services.matcher.settings import MatcherSettings
from shared.envelope import Envelope
from shared.events import DeletedProfile, PairingEvent, ProfileChanged, ProfileDeleted
from shared.kafka import make_broker, publish
from shared.profile import ProfileSnapshot
from shared.settings import CommonSettings
from shared.topics import Topics
from tests.helpers import broker_connected

EVENTS: TypeAdapter[PairingEvent] = TypeAdapter(PairingEvent)


@pytest.fixture
def settings(
    kafka_bootstrap: str, mongo_uri: str, topics: Topics, mongo_db: str, unique: str
) -> MatcherSettings:
    return MatcherSettings(
        kafka_bootstrap_servers=kafka_bootstrap,
        mongodb_uri=mongo_uri,
        topic_prefix=topics.prefix,
        mongodb_database=mongo_db,
        people_group_id=f"people-{unique}",
        responses_group_id=f"responses-{unique}",
        work_group_id=f"work-{unique}",
        dead_letter_retry_seconds=0.2,
        sweep_interval_seconds=1.0,
        lag_interval_seconds=1.0,
        outbox_stuck_seconds=5.0,
        log_json=False,
    )


@contextlib.asynccontextmanager
async def running(settings: MatcherSettings) -> AsyncIterator[FastAPI]:
    """A matcher instance with its lifespan (consumers, relay, background tasks) running and
    connected to the broker."""
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        await broker_connected(app)
        yield app


def http(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://matcher")


class Profiles:
    """Publishes profile events straight onto the canonical topic, as the profiles service would."""

    def __init__(self, send: Callable[[str, Envelope | None], Awaitable[None]]) -> None:
        self._send = send

    async def changed(self, *people: ProfileSnapshot) -> None:
        for person in people:
            await self._send(person.id, ProfileChanged(producer="profiles", data=person))

    async def deleted(self, person: ProfileSnapshot) -> None:
        data = DeletedProfile(
            id=person.id, program_id=person.program_id, version=person.version + 1
        )
        await self._send(person.id, ProfileDeleted(producer="profiles", data=data))
        await self._send(person.id, None)  # the tombstone that follows


@pytest.fixture
async def profiles(kafka_bootstrap: str, topics: Topics) -> AsyncIterator[Profiles]:
    broker = make_broker(CommonSettings(kafka_bootstrap_servers=kafka_bootstrap), client_id="t")
    async with broker:
        await broker.start()

        async def send(key: str, event: Envelope | None) -> None:
            if event is None:
                await broker.publish(None, topic=topics.profile_changes, key=key.encode())
            else:
                await publish(broker, topics.profile_changes, key, event)

        yield Profiles(send)


class PairingEvents:
    """Everything on the pairings topic, read continuously from the beginning."""

    def __init__(self) -> None:
        self.events: list[PairingEvent] = []

    def of_type(self, event_type: str) -> list[Any]:
        return [e for e in self.events if e.event_type == event_type]

    def proposed_pairs(self) -> list[tuple[str, str]]:
        return [(e.data.younger.id, e.data.older.id) for e in self.of_type("pairing.proposed")]

    def live_pairs_by_person(self) -> dict[str, list[str]]:
        """Pairings not yet cancelled, per person, replaying events in order."""
        live: dict[str, tuple[str, str]] = {}
        for e in self.events:
            if e.event_type == "pairing.proposed":
                live[e.data.pairing_id] = (e.data.younger.id, e.data.older.id)
            elif e.event_type == "pairing.cancelled":
                live.pop(e.data.pairing_id, None)
        by_person: dict[str, list[str]] = {}
        for pid, people in live.items():
            for person in people:
                by_person.setdefault(person, []).append(pid)
        return by_person


@pytest.fixture
async def pairing_events(kafka_bootstrap: str, topics: Topics) -> AsyncIterator[PairingEvents]:
    collected = PairingEvents()
    consumer = AIOKafkaConsumer(
        topics.pairings, bootstrap_servers=kafka_bootstrap, auto_offset_reset="earliest"
    )
    await consumer.start()

    async def collect() -> None:
        async for record in consumer:
            if record.value:
                collected.events.append(EVENTS.validate_json(record.value))

    task = asyncio.create_task(collect())
    try:
        yield collected
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await consumer.stop()
