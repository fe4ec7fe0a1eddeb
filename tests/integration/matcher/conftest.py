"""Fixtures for running the matcher against the real broker and store."""

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from fastapi import FastAPI
from pydantic import TypeAdapter

from services.matcher.app import create_app
from services.matcher.settings import MatcherSettings
from services.matcher.usecases.ports import pairing_id
from shared.envelope import Envelope, utc_now
from shared.events import DeletedProfile, PairingEvent, ProfileChanged, ProfileDeleted
from shared.kafka import make_broker
from shared.profile import ProfileSnapshot
from shared.settings import CommonSettings
from shared.topics import Topics
from tests.builders.matcher import old, young
from tests.helpers import asgi_client, broker_connected, eventually, publish

EVENTS: TypeAdapter[PairingEvent] = TypeAdapter(PairingEvent)
ADMIN = "matcher-admin-key-1"


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
        settle_minutes=0,  # these tests expect pairs as soon as both people are there
        log_json=False,
        api_keys={ADMIN: ["admin"]},
    )


@contextlib.asynccontextmanager
async def running(
    settings: MatcherSettings, *, clock: Callable[[], datetime] = utc_now
) -> AsyncIterator[FastAPI]:
    """A matcher instance with its lifespan (consumers, relay, background tasks) running and
    connected to the broker; `clock` is the time it decides by."""
    app = create_app(settings, clock=clock)
    async with app.router.lifespan_context(app):
        await broker_connected(app)
        yield app


def http(app: FastAPI) -> httpx.AsyncClient:
    """An HTTP client holding the admin key."""
    client = asgi_client(app, base_url="http://matcher")
    client.headers["X-API-Key"] = ADMIN
    return client


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

    def __init__(self, consumer: AIOKafkaConsumer) -> None:
        self.events: list[PairingEvent] = []
        self.read_to: dict[TopicPartition, int] = {}
        self._consumer = consumer

    def received(self, record: ConsumerRecord[bytes, bytes]) -> None:
        self.read_to[TopicPartition(record.topic, record.partition)] = record.offset + 1
        if record.value:
            self.events.append(EVENTS.validate_json(record.value))

    async def read_to_end(self) -> None:
        """Wait until everything on the topic now has been read."""
        ends = await self._consumer.end_offsets(list(self._consumer.assignment()))
        await eventually(lambda: all(self.read_to.get(tp, 0) >= end for tp, end in ends.items()))

    async def settle(self, profiles: Profiles, *programs: str) -> None:
        """The sentinel before a negative check: one last pair per program, which the matcher
        proposes only after all the work queued before it for that program (its work is keyed,
        so ordered, by program). Once those proposals, and all the topic holds, have been read, a
        second proposal would have shown. The sentinels' own events are then left out."""
        sentinels = [
            (
                young(f"{p}-sentinel-y", program=p, craft=f"{p}-s"),
                old(f"{p}-sentinel-o", program=p, craft=f"{p}-s"),
            )
            for p in programs
        ]
        for pair in sentinels:
            await profiles.changed(*pair)
        expected = {(y.id, o.id) for y, o in sentinels}
        await eventually(lambda: expected <= set(self.proposed_pairs()), within=60)
        await self.read_to_end()
        ids = {pairing_id(y.program_id, y.id, o.id) for y, o in sentinels}
        self.events = [e for e in self.events if e.data.pairing_id not in ids]

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
    consumer = AIOKafkaConsumer(
        topics.pairings, bootstrap_servers=kafka_bootstrap, auto_offset_reset="earliest"
    )
    await consumer.start()
    collected = PairingEvents(consumer)

    async def collect() -> None:
        async for record in consumer:
            collected.received(record)

    task = asyncio.create_task(collect())
    try:
        yield collected
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await consumer.stop()
