"""A running profiles service (in-process, through ASGI) on the real broker and the real store."""

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaProducer
from fastapi import FastAPI

from services.profiles.app import create_app
from services.profiles.settings import ProfilesSettings
from shared.topics import Topics
from tests.helpers import eventually

ADMIN, WRITER, READER = "admin-key-0001", "writer-key-0001", "reader-key-0001"


def profiles_settings(
    *,
    kafka_bootstrap: str,
    mongo_uri: str,
    mongo_db: str,
    topics: Topics,
    unique: str,
    **extra: Any,
) -> ProfilesSettings:
    return ProfilesSettings(
        kafka_bootstrap_servers=kafka_bootstrap,
        mongodb_uri=mongo_uri,
        mongodb_database=mongo_db,
        topic_prefix=topics.prefix,
        ingress_group_id=f"profiles-{unique}",
        api_keys={ADMIN: ["admin"], WRITER: ["read", "write"], READER: ["read"]},
        dead_letter_retry_seconds=0.1,
        relay_sweep_seconds=1.0,
        broker_retry_seconds=0.5,
        **extra,
    )


@pytest.fixture
def settings(
    kafka_bootstrap: str, mongo_uri: str, mongo_db: str, topics: Topics, unique: str
) -> ProfilesSettings:
    return profiles_settings(
        kafka_bootstrap=kafka_bootstrap,
        mongo_uri=mongo_uri,
        mongo_db=mongo_db,
        topics=topics,
        unique=unique,
    )


@pytest.fixture
async def app(settings: ProfilesSettings) -> AsyncIterator[FastAPI]:
    """The service with its lifespan running and its broker connected."""
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        await eventually(application.state.runtime.connection.ready.is_set, within=60)
        yield application


def http_client(application: FastAPI, key: str | None = ADMIN) -> httpx.AsyncClient:
    headers = {"X-API-Key": key} if key else {}
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(application), base_url="http://profiles", headers=headers
    )


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client holding the admin key."""
    async with http_client(app) as http:
        yield http


async def send_raw(
    bootstrap: str,
    topic: str,
    messages: list[tuple[str, bytes]],
    headers: dict[str, str] | None = None,
) -> None:
    """Publish (key, value) pairs in order, as another team's producer would."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True)
    await producer.start()
    try:
        for key, value in messages:
            encoded = [(k, v.encode()) for k, v in (headers or {}).items()]
            await producer.send_and_wait(topic, value, key=key.encode(), headers=encoded)
    finally:
        await producer.stop()
