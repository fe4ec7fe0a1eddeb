"""The program API on the real store and broker: create, replace, patch, read; 412 on a stale
version, 422 with reasons, 401/403 by key; exactly one `program.changed` per change, in version
order, keyed by program id."""

import json
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pymongo.asynchronous.database import AsyncDatabase

from services.profiles.app import create_app
from services.profiles.settings import ProfilesSettings
from shared.events import ProgramChanged
from shared.mongo import Document
from shared.topics import Topics
from tests.builders.programs import program_body
from tests.helpers import eventually, read_topic
from tests.integration.profiles.conftest import READER, WRITER, http_client

pytestmark = pytest.mark.integration


def reasons(response: httpx.Response) -> str:
    return " | ".join(
        f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in response.json()["detail"]
    )


async def test_put_creates_then_replaces_and_each_change_is_one_event_in_order(
    client: httpx.AsyncClient, kafka_bootstrap: str, topics: Topics, unique: str
) -> None:
    url = f"/programs/emea-{unique}"
    created = await client.put(url, json=program_body(), headers={"X-Correlation-ID": "c-9"})
    assert created.status_code == 201, created.text
    assert created.headers["ETag"] == '"1"' and created.headers["Location"] == url
    again = await client.put(url, json=program_body())  # a retry changes nothing
    assert (again.status_code, again.headers["ETag"]) == (200, '"1"')
    renamed = await client.put(url, json=program_body(name="EMEA 27"), headers={"If-Match": '"1"'})
    assert (renamed.status_code, renamed.json()["version"]) == (200, 2)
    patched = await client.patch(url, json={"schedule": {"mode": "continuous"}})
    assert patched.json()["schedule"] == {"mode": "continuous", "settle_minutes": 5}

    records = await read_topic(kafka_bootstrap, topics.program_changes, count=3, within=20)

    events = [ProgramChanged.model_validate_json(r.value or b"") for r in records]
    assert [(e.data.version, e.data.name) for e in events] == [
        (1, "EMEA 2027"),
        (2, "EMEA 27"),
        (3, "EMEA 27"),
    ]
    assert {r.key for r in records} == {f"emea-{unique}".encode()}
    assert events[0].correlation_id == "c-9" and events[0].producer == "profiles"
    assert json.loads(records[0].value or b"")["data"] == created.json()
    assert (await client.get(url)).json() == patched.json()


async def test_a_stale_or_unexpected_version_gets_412_and_changes_nothing(
    client: httpx.AsyncClient, unique: str
) -> None:
    url = f"/programs/apac-{unique}"
    assert (
        await client.put(url, json=program_body(), headers={"If-Match": '"0"'})
    ).status_code == 201
    stale = await client.patch(url, json={"name": "B"}, headers={"If-Match": '"7"'})
    taken = await client.put(url, json=program_body(name="C"), headers={"If-Match": '"0"'})

    assert (stale.status_code, taken.status_code) == (412, 412)
    assert "stored version is 1" in stale.json()["detail"]
    assert (await client.get(url)).json()["name"] == "EMEA 2027"


async def test_invalid_settings_get_422_with_reasons(
    client: httpx.AsyncClient, unique: str
) -> None:
    url = f"/programs/bad-{unique}"
    backwards = program_body(ends_on="2027-01-01", timezone="Mars/Base")
    refused = await client.put(url, json=backwards)
    misspelt = await client.put(url, json=program_body(policy={"min_common_hour": 2}))
    await client.put(url, json=program_body())
    bad_patch = await client.patch(url, json={"enrolment_closes": "2026-12-01"})

    assert (refused.status_code, misspelt.status_code, bad_patch.status_code) == (422, 422, 422)
    assert "unknown IANA timezone" in reasons(refused)
    assert "policy.min_common_hour" in reasons(misspelt)
    assert "enrolment_closes must not be before enrolment_opens" in reasons(bad_patch)
    assert (await client.get(url)).json()["version"] == 1


async def test_writes_need_admin_and_reads_need_read(app: FastAPI, unique: str) -> None:
    url = f"/programs/keys-{unique}"
    async with http_client(app, None) as anonymous, http_client(app, WRITER) as writer:
        assert (await anonymous.get(url)).status_code == 401
        assert (await writer.put(url, json=program_body())).status_code == 403
    async with http_client(app) as admin, http_client(app, READER) as reader:
        await admin.put(url, json=program_body())
        assert (await reader.get(url)).status_code == 200
        assert (await reader.patch(url, json={"name": "X"})).status_code == 403
        assert (await reader.get(f"/programs/none-{unique}")).status_code == 404


async def test_programs_are_listed_in_id_order_page_by_page(
    client: httpx.AsyncClient, unique: str
) -> None:
    for name in ("c", "a", "b"):
        await client.put(f"/programs/{unique}-{name}", json=program_body())

    first = (await client.get("/programs", params={"limit": 2, "after": unique})).json()
    second = (await client.get("/programs", params={"after": first["next_cursor"]})).json()

    assert [p["id"] for p in first["items"]] == [f"{unique}-a", f"{unique}-b"]
    assert [p["id"] for p in second["items"]][:1] == [f"{unique}-c"]


async def test_published_events_leave_the_outbox(
    client: httpx.AsyncClient, mongo: AsyncDatabase[Document], unique: str
) -> None:
    await client.put(f"/programs/out-{unique}", json=program_body())

    async def emptied() -> bool:
        document = await mongo.programs.find_one({"_id": f"out-{unique}"})
        return document is not None and document["outbox"] == []

    await eventually(emptied, within=20)


async def test_changes_made_while_kafka_is_unreachable_go_out_once_each_after_a_restart(
    settings: ProfilesSettings, kafka_bootstrap: str, topics: Topics, unique: str
) -> None:
    url = f"/programs/later-{unique}"
    unreachable = settings.model_copy(update={"kafka_bootstrap_servers": "127.0.0.1:1"})
    offline = create_app(unreachable)
    async with offline.router.lifespan_context(offline), http_client(offline) as client:
        assert (await client.put(url, json=program_body())).status_code == 201
        assert (await client.patch(url, json={"name": "Later"})).json()["version"] == 2

    online = create_app(settings)  # a restart: the relay's first sweep finds both events
    async with online.router.lifespan_context(online), http_client(online) as client:
        records = await read_topic(kafka_bootstrap, topics.program_changes, count=2, within=30)
        await client.patch(url, json={"name": "Later still"})  # the next change follows them
        records += await _after(kafka_bootstrap, topics, len(records))

    events = [ProgramChanged.model_validate_json(r.value or b"") for r in records]
    assert [e.data.version for e in events] == [1, 2, 3]


async def _after(bootstrap: str, topics: Topics, seen: int) -> list[Any]:
    return (await read_topic(bootstrap, topics.program_changes, count=seen + 1, within=30))[seen:]
