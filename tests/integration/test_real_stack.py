"""Proof that the stack is real: the broker carries contract events, the store keeps documents."""

import asyncio

import pytest
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from shared.commands import ProfileChangeRequest, UpdateProfile
from shared.envelope import utc_now
from shared.events import ProfileChanged, ProfileEvent
from shared.kafka import CONSUMER_DEFAULTS, make_broker
from shared.mongo import Document, insert_markers
from shared.profile import ProfileSnapshot
from shared.settings import CommonSettings
from shared.topics import Topics
from tests.builders.profiles import profile_fields
from tests.helpers import publish, read_topic

pytestmark = pytest.mark.integration


def _settings(bootstrap: str, topics: Topics) -> CommonSettings:
    return CommonSettings(
        kafka_bootstrap_servers=bootstrap, topic_prefix=topics.prefix, dead_letter_retry_seconds=0.1
    )


async def test_event_published_through_the_broker_is_consumed_as_the_shared_model(
    kafka_bootstrap: str, topics: Topics, unique: str
) -> None:
    broker = make_broker(_settings(kafka_bootstrap, topics), client_id="test")
    received: asyncio.Queue[ProfileEvent] = asyncio.Queue()

    @broker.subscriber(topics.profile_changes, group_id=f"g{unique}", **CONSUMER_DEFAULTS)
    async def on_profile_changes(event: ProfileEvent) -> None:
        await received.put(event)

    snapshot = ProfileSnapshot(
        **profile_fields().model_dump(), id=f"p{unique}", version=1, updated_at=utc_now()
    )
    sent = ProfileChanged(producer="test", data=snapshot)
    async with broker:
        await broker.start()
        await publish(broker, topics.profile_changes, snapshot.id, sent)
        got = await asyncio.wait_for(received.get(), timeout=60)

    assert isinstance(got, ProfileChanged)
    assert got == sent


async def test_invalid_messages_go_to_the_dead_letter_topic_and_the_next_one_is_processed(
    kafka_bootstrap: str, topics: Topics, unique: str
) -> None:
    broker = make_broker(_settings(kafka_bootstrap, topics), client_id="test")
    handled: asyncio.Queue[UpdateProfile] = asyncio.Queue()

    @broker.subscriber(topics.profile_updates, group_id=f"g{unique}", **CONSUMER_DEFAULTS)
    async def on_profile_updates(command: UpdateProfile) -> None:
        await handled.put(command)

    valid = UpdateProfile(
        producer="test", data=ProfileChangeRequest(op="delete", profile_id=f"p{unique}")
    )
    key = f"p{unique}".encode()
    async with broker:
        await broker.start()
        # Same key, so all three land on one partition in this order.
        await broker.publish(b"\xff not json", topic=topics.profile_updates, key=key)
        await broker.publish(
            b'{"event_type": "profile.update"}', topic=topics.profile_updates, key=key
        )
        await publish(broker, topics.profile_updates, f"p{unique}", valid)
        got = await asyncio.wait_for(handled.get(), timeout=60)

    assert got.event_id == valid.event_id
    dead = await read_topic(kafka_bootstrap, Topics.dead_letter(topics.profile_updates), count=2)
    assert [r.value for r in dead] == [b"\xff not json", b'{"event_type": "profile.update"}']
    headers = dict(dead[1].headers)
    assert headers["dlq_source_topic"] == topics.profile_updates.encode()
    assert headers["dlq_source_offset"] == b"1"
    assert b"Field required" in headers["dlq_error"]
    assert headers["dlq_error_type"] == b"ValidationError"


async def test_document_written_over_the_wire_protocol_is_read_back(
    mongo: AsyncDatabase[Document],
) -> None:
    await mongo.people.insert_one({"_id": "p1", "name": "Ada", "languages": ["en", "de"]})

    assert await mongo.people.find_one({"_id": "p1"}) == {
        "_id": "p1",
        "name": "Ada",
        "languages": ["en", "de"],
    }


async def test_unique_index_rejects_a_duplicate(mongo: AsyncDatabase[Document]) -> None:
    await mongo.people.create_index([("program_id", 1), ("email", 1)], unique=True)
    await mongo.people.insert_one({"_id": "a", "program_id": "x", "email": "e@example.org"})

    with pytest.raises(DuplicateKeyError):
        await mongo.people.insert_one({"_id": "b", "program_id": "x", "email": "e@example.org"})
    await mongo.people.insert_one({"_id": "c", "program_id": "y", "email": "e@example.org"})


async def test_markers_already_stored_are_inserted_again_without_error(
    mongo: AsyncDatabase[Document],
) -> None:
    await insert_markers(mongo.published, ["a", "b"])
    await insert_markers(mongo.published, ["b", "c", "a", "d"])
    await insert_markers(mongo.published, [])

    assert sorted([d["_id"] async for d in mongo.published.find({})]) == ["a", "b", "c", "d"]
