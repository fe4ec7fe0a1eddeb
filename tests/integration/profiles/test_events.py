"""The canonical change stream: one event per change, keyed by id, in version order, then a
tombstone after a deletion; and a write never waits for Kafka."""

import asyncio
import json
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pymongo.asynchronous.database import AsyncDatabase

from services.profiles.app import create_app
from services.profiles.settings import ProfilesSettings
from shared.mongo import Document
from shared.topics import Topics
from tests.builders.profiles import profile_fields
from tests.helpers import eventually, read_topic
from tests.integration.profiles.conftest import http_client

pytestmark = pytest.mark.integration


def body(**overrides: Any) -> dict[str, Any]:
    return profile_fields(**overrides).model_dump(mode="json")


def decoded(value: bytes | None) -> dict[str, Any] | None:
    return json.loads(value) if value else None


async def test_every_change_emits_exactly_one_event_in_version_order_then_a_tombstone(
    client: httpx.AsyncClient, kafka_bootstrap: str, topics: Topics, mongo: AsyncDatabase[Document]
) -> None:
    created = (
        await client.post("/profiles", json=body(), headers={"X-Correlation-ID": "trace-7"})
    ).json()
    url = f"/profiles/{created['id']}"
    await client.patch(url, json={"name": "Two"})
    await client.put(url, json=body(name="Two"))  # no change: no event
    await client.put(url, json=body(name="Three"))
    await client.delete(url)

    records = await read_topic(kafka_bootstrap, topics.profile_changes, count=5, within=20)

    assert {r.key for r in records} == {created["id"].encode()}
    events = [decoded(r.value) for r in records]
    assert [e and (e["event_type"], e["data"]["version"]) for e in events] == [
        ("profile.changed", 1),
        ("profile.changed", 2),
        ("profile.changed", 3),
        ("profile.deleted", 4),
        None,
    ]
    assert events[0] and events[0]["correlation_id"] == "trace-7"
    assert events[0] and events[0]["data"] == created
    assert dict(records[0].headers)["event_type"] == b"profile.changed"
    await eventually(lambda: _gone(mongo, created["id"]), within=10)


async def _gone(mongo: AsyncDatabase[Document], profile_id: str) -> bool:
    return await mongo.profiles.find_one({"_id": profile_id}) is None


async def test_concurrent_writes_to_many_profiles_each_go_out_once_in_order(
    client: httpx.AsyncClient, kafka_bootstrap: str, topics: Topics, unique: str
) -> None:
    async def life(n: int) -> str:
        profile = (
            await client.post("/profiles", json=body(email=f"{n}-{unique}@example.org"))
        ).json()
        for name in ("B", "C", "D"):
            await client.patch(f"/profiles/{profile['id']}", json={"name": name})
        return str(profile["id"])

    ids = await asyncio.gather(*(life(n) for n in range(12)))

    records = await read_topic(kafka_bootstrap, topics.profile_changes, count=48, within=30)
    by_key: dict[str, list[int]] = {}
    for record in records:
        event = decoded(record.value)
        assert event is not None
        by_key.setdefault(record.key.decode(), []).append(event["data"]["version"])
    assert by_key == {profile_id: [1, 2, 3, 4] for profile_id in ids}


async def test_writes_succeed_while_kafka_is_unreachable_and_wait_in_the_outbox(
    settings: ProfilesSettings,
) -> None:
    unreachable = settings.model_copy(update={"kafka_bootstrap_servers": "127.0.0.1:1"})
    app: FastAPI = create_app(unreachable)
    async with app.router.lifespan_context(app), http_client(app) as client:
        response = await client.post("/profiles", json=body())
        exported = (await client.get(f"/profiles/{response.json()['id']}/export")).json()
        ready = await client.get("/health/ready")
        metrics = (await client.get("/metrics")).text

    assert response.status_code == 201
    assert [(e["event_type"], e["version"]) for e in exported["pending_events"]] == [
        ("profile.changed", 1)
    ]
    assert exported["pending_events"][0]["event"]["data"]["id"] == response.json()["id"]
    assert ready.status_code == 503 and ready.json()["checks"]["broker"] is False
    assert "profiles_broker_up 0.0" in metrics
    backlog = next(
        line for line in metrics.splitlines() if line.startswith("profiles_outbox_backlog")
    )
    assert float(backlog.split()[1]) >= 1
