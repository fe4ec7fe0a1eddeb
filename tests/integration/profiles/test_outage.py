"""A broker outage: the API keeps accepting writes, and each event goes out exactly once after.

This test stops and starts the real broker (`kafka_control`), so run it against a stack of your own,
never one that others are testing against at the same time.
"""

import json

import httpx
import pytest
from fastapi import FastAPI
from pymongo.asynchronous.database import AsyncDatabase

from shared.mongo import Document
from shared.topics import Topics
from tests.builders.profiles import profile_fields
from tests.conftest import KafkaControl
from tests.helpers import eventually, read_topic

pytestmark = pytest.mark.integration


async def test_a_write_during_an_outage_succeeds_and_its_event_goes_out_once_afterwards(
    app: FastAPI,
    client: httpx.AsyncClient,
    kafka_control: KafkaControl,
    kafka_bootstrap: str,
    topics: Topics,
    mongo: AsyncDatabase[Document],
) -> None:
    await kafka_control.stop()
    try:
        response = await client.post("/profiles", json=profile_fields().model_dump(mode="json"))
        ready = await client.get("/health/ready")
        metrics = (await client.get("/metrics")).text
        stored = await mongo.profiles.find_one({"_id": response.json()["id"]})
    finally:
        await kafka_control.start()

    assert response.status_code == 201
    assert ready.status_code == 503 and ready.json()["checks"] == {"store": True, "broker": False}
    assert "profiles_broker_up 0.0" in metrics
    assert stored is not None and len(stored["outbox"]) == 1
    profile_id = response.json()["id"]
    await eventually(lambda: _published(mongo, profile_id), within=90)
    # Ask for two: a duplicate would show up here.
    records = await read_topic(kafka_bootstrap, topics.profile_changes, count=2, within=10)
    assert [(r.key, json.loads(r.value)["data"]["version"]) for r in records] == [
        (profile_id.encode(), 1)
    ]
    assert (await client.get("/health/ready")).status_code == 200


async def _published(mongo: AsyncDatabase[Document], profile_id: str) -> bool:
    stored = await mongo.profiles.find_one({"_id": profile_id})
    return stored is not None and stored["outbox"] == []
