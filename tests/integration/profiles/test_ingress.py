"""Ingress from other services: applied like API writes; duplicates and stale requests ignored;
anything that can never be applied dead-lettered, and the next message still processed."""

import json
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from pymongo.asynchronous.database import AsyncDatabase

from shared.commands import ProfileChangeRequest, UpdateProfile
from shared.envelope import utc_now
from shared.mongo import Document
from shared.profile import ProfilePatch
from shared.topics import Topics
from tests.builders.profiles import profile_fields
from tests.helpers import eventually, read_topic
from tests.integration.profiles.conftest import send_raw

pytestmark = pytest.mark.integration


def command(profile_id: str, **request: Any) -> UpdateProfile:
    envelope = {k: request.pop(k) for k in ("event_id", "occurred_at") if k in request}
    data = ProfileChangeRequest(profile_id=profile_id, **request)
    return UpdateProfile(producer="hr-sync", correlation_id="hr-batch-1", data=data, **envelope)


def upsert(profile_id: str, occurred_at: datetime | None = None, **fields: Any) -> UpdateProfile:
    envelope = {"occurred_at": occurred_at} if occurred_at else {}
    return command(profile_id, op="upsert", profile=profile_fields(**fields), **envelope)


def rename(profile_id: str, name: str, **envelope: Any) -> UpdateProfile:
    return command(profile_id, op="patch", patch=ProfilePatch(name=name), **envelope)


def encoded(item: UpdateProfile) -> bytes:
    """As a producer sends it: a patch carries only the fields it sets."""
    message = item.model_dump(mode="json")
    if item.data.patch is not None:
        message["data"]["patch"] = item.data.patch.model_dump(mode="json", exclude_unset=True)
    return json.dumps(message).encode()


async def send(bootstrap: str, topics: Topics, *items: UpdateProfile | tuple[str, bytes]) -> None:
    messages = [
        item if isinstance(item, tuple) else (item.data.profile_id, encoded(item)) for item in items
    ]
    await send_raw(bootstrap, topics.profile_updates, messages)


async def stored(mongo: AsyncDatabase[Document], profile_id: str) -> Document | None:
    return await mongo.profiles.find_one({"_id": profile_id})


async def at_version(mongo: AsyncDatabase[Document], profile_id: str, version: int) -> bool:
    document = await stored(mongo, profile_id)
    return document is not None and document["version"] == version


async def test_a_valid_request_is_applied_and_announced_like_an_api_write(
    app: FastAPI, kafka_bootstrap: str, topics: Topics, mongo: AsyncDatabase[Document], unique: str
) -> None:
    profile_id = f"hr-{unique}"

    await send(
        kafka_bootstrap, topics, upsert(profile_id, name="Hannelore"), rename(profile_id, "H.")
    )

    records = await read_topic(kafka_bootstrap, topics.profile_changes, count=2, within=30)
    events = [json.loads(r.value) for r in records]
    assert [(e["data"]["version"], e["data"]["name"]) for e in events] == [
        (1, "Hannelore"),
        (2, "H."),
    ]
    assert {e["correlation_id"] for e in events} == {"hr-batch-1"}
    assert {r.key for r in records} == {profile_id.encode()}


async def test_duplicate_and_stale_requests_are_ignored(
    app: FastAPI, kafka_bootstrap: str, topics: Topics, mongo: AsyncDatabase[Document], unique: str
) -> None:
    profile_id, now = f"hr-{unique}", utc_now()
    first = rename(profile_id, "Applied", occurred_at=now)
    duplicate = rename(profile_id, "Duplicate", event_id=first.event_id, occurred_at=now)
    stale = rename(profile_id, "Stale", occurred_at=now - timedelta(minutes=5))
    marker = rename(profile_id, "Marker", occurred_at=now + timedelta(seconds=1))

    created = upsert(profile_id, occurred_at=now - timedelta(minutes=10), name="Created")
    await send(kafka_bootstrap, topics, created, first)
    await send(
        kafka_bootstrap, topics, duplicate, stale, marker
    )  # one key: one partition, in order

    await eventually(lambda: at_version(mongo, profile_id, 3), within=30)
    document = await stored(mongo, profile_id)
    assert document is not None and document["name"] == "Marker"
    records = await read_topic(kafka_bootstrap, topics.profile_changes, count=3, within=30)
    names = [json.loads(r.value)["data"]["name"] for r in records]
    assert names == ["Created", "Applied", "Marker"]


async def test_malformed_messages_are_dead_lettered_and_the_next_one_is_processed(
    app: FastAPI, kafka_bootstrap: str, topics: Topics, mongo: AsyncDatabase[Document], unique: str
) -> None:
    profile_id = f"hr-{unique}"
    wrong_schema = upsert(profile_id).model_dump(mode="json")
    wrong_schema["data"]["profile"]["timezone"] = "Mars/Olympus_Mons"
    poison = [
        (profile_id, b"\xff not json"),
        (profile_id, json.dumps({"event_type": "profile.update"}).encode()),
        (profile_id, json.dumps(wrong_schema).encode()),
    ]

    await send(kafka_bootstrap, topics, *poison, upsert(profile_id, name="Valid"))

    await eventually(lambda: at_version(mongo, profile_id, 1), within=30)
    dead = await read_topic(kafka_bootstrap, Topics.dead_letter(topics.profile_updates), count=3)
    assert [r.value for r in dead] == [value for _, value in poison]
    headers = [dict(r.headers) for r in dead]
    assert [h["dlq_source_offset"] for h in headers] == [b"0", b"1", b"2"]
    assert {h["dlq_source_topic"] for h in headers} == {topics.profile_updates.encode()}
    assert b"unknown IANA timezone" in headers[2]["dlq_error"]


async def test_requests_that_can_never_be_applied_are_dead_lettered_with_the_reason(
    app: FastAPI, kafka_bootstrap: str, topics: Topics, mongo: AsyncDatabase[Document], unique: str
) -> None:
    taken, other = f"hr-{unique}-1", f"hr-{unique}-2"
    email = f"taken-{unique}@example.org"
    first = upsert(taken, utc_now() - timedelta(minutes=1), program_id=unique, email=email)
    rejected = [
        upsert(other, program_id=unique, email=email),  # the email is taken in the program
        rename(f"hr-{unique}-nobody", "Nobody"),  # a patch of nobody
        command(taken, op="patch", patch=ProfilePatch.model_validate({"name": None})),
    ]

    await send(kafka_bootstrap, topics, first)
    await eventually(lambda: at_version(mongo, taken, 1), within=30)  # other keys, other partitions
    await send(kafka_bootstrap, topics, *rejected)

    dead = await read_topic(kafka_bootstrap, Topics.dead_letter(topics.profile_updates), count=3)
    reasons = sorted(dict(r.headers)["dlq_error"].decode() for r in dead)
    assert len(reasons) == 3
    assert any("has this email address" in reason for reason in reasons)
    assert any("not found" in reason for reason in reasons)
    assert any("the resulting profile is invalid: name" in reason for reason in reasons)
    assert all(email not in reason for reason in reasons)
    assert await stored(mongo, other) is None
    assert await at_version(mongo, taken, 1)


async def test_new_profiles_of_one_poll_are_stored_together_and_a_duplicate_among_them_is_no_error(
    app: FastAPI, kafka_bootstrap: str, topics: Topics, mongo: AsyncDatabase[Document], unique: str
) -> None:
    now = utc_now()  # one time for all: neither of two requests for one profile is stale
    people = [upsert(f"hr-{unique}-{n}", now, email=f"{n}-{unique}@example.org") for n in range(20)]
    twice = people[0]  # delivered again under another key: handled alongside the first
    rival = upsert(twice.data.profile_id, now, email=f"rival-{unique}@example.org")

    await send(
        kafka_bootstrap,
        topics,
        *people,
        (f"other-{unique}", encoded(twice)),
        (f"rival-{unique}", encoded(rival)),
    )

    records = await read_topic(kafka_bootstrap, topics.profile_changes, count=22, within=30)
    versions = sorted((r.key.decode(), json.loads(r.value)["data"]["version"]) for r in records)
    expected = [(p.data.profile_id, 1) for p in people] + [(twice.data.profile_id, 2)]
    assert versions == sorted(expected)
    document = await stored(mongo, twice.data.profile_id)
    assert document is not None and document["version"] == 2
    assert document["email"] in {f"0-{unique}@example.org", f"rival-{unique}@example.org"}
    assert await eventually(lambda: _marked(mongo, [p.data.profile_id for p in people]), within=10)


async def _marked(mongo: AsyncDatabase[Document], ids: list[str]) -> bool:
    documents = [await stored(mongo, profile_id) for profile_id in ids]
    return all(document is not None and document["outbox"] == [] for document in documents)
