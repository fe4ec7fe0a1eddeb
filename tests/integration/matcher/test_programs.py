"""The matcher reads program records from their topic: a record's policy decides the program's
pairs, and a changed record applies from then on."""

import httpx
import pytest
from fastapi import FastAPI

from services.matcher.settings import MatcherSettings
from shared.events import ProgramChanged
from shared.kafka import make_broker
from shared.programs import ProgramSnapshot
from shared.settings import CommonSettings
from shared.topics import Topics
from tests.builders.matcher import old, young
from tests.builders.programs import program_snapshot
from tests.helpers import eventually, publish
from tests.integration.matcher.conftest import PairingEvents, Profiles, http, running

pytestmark = pytest.mark.integration
LONGER = {"tue": [{"start": "15:00", "end": "20:00"}]}  # five hours; the default is three


async def send_programs(bootstrap: str, topics: Topics, *records: ProgramSnapshot) -> None:
    broker = make_broker(CommonSettings(kafka_bootstrap_servers=bootstrap), client_id="t")
    async with broker:
        await broker.start()
        for record in records:
            event = ProgramChanged(producer="profiles", data=record)
            await publish(broker, topics.program_changes, record.id, event)


def record(program: str, version: int, hours: float) -> ProgramSnapshot:
    continuous = {"mode": "continuous", "settle_minutes": 0}
    policy = {"min_common_hours": hours}
    return program_snapshot(program, version=version, schedule=continuous, policy=policy)


async def pairs(client: httpx.AsyncClient, program: str) -> list[tuple[str, str]]:
    listed = (await client.get("/pairings", params={"program_id": program})).json()
    return sorted((p["younger"]["id"], p["older"]["id"]) for p in listed)


async def settled_version(app: FastAPI, program: str) -> int:
    return (await app.state.runtime.directory.settings_for(program)).version


async def test_a_records_policy_holds_and_its_change_applies_to_the_program(
    settings: MatcherSettings,
    kafka_bootstrap: str,
    topics: Topics,
    profiles: Profiles,
    pairing_events: PairingEvents,
    unique: str,
) -> None:
    program = f"{unique}-p"
    short = [young(f"{unique}-y1", "a", program=program), old(f"{unique}-o1", "a", program=program)]
    long = [
        young(f"{unique}-y2", "b", program=program, availability=LONGER),
        old(f"{unique}-o2", "b", program=program, availability=LONGER),
    ]
    await send_programs(kafka_bootstrap, topics, record(program, 1, hours=4))

    async with running(settings) as app, http(app) as client:
        await eventually(lambda: settled_version(app, program), within=60)
        await profiles.changed(*short, *long)  # after the record: its policy holds from the start

        async def pool_of_four() -> bool:
            metrics = (await client.get("/metrics")).text
            return f'matcher_pool_size{{program="{program}"}} 4.0' in metrics

        await eventually(pool_of_four, within=60)
        await eventually(lambda: pairs(client, program), within=30)
        assert await pairs(client, program) == [(f"{unique}-y2", f"{unique}-o2")]

        await send_programs(
            kafka_bootstrap, topics, record(program, 2, hours=2), record(program, 1, hours=4)
        )
        await eventually(lambda: len(pairing_events.proposed_pairs()) == 2, within=60)
        assert await settled_version(app, program) == 2

    assert sorted(pairing_events.proposed_pairs()) == [
        (f"{unique}-y1", f"{unique}-o1"),
        (f"{unique}-y2", f"{unique}-o2"),
    ]


async def test_a_program_without_a_record_keeps_the_environments_policy(
    settings: MatcherSettings, profiles: Profiles, pairing_events: PairingEvents, unique: str
) -> None:
    program = f"{unique}-p"
    strict = settings.model_copy(update={"program_policies": {program: {"min_common_hours": 4}}})
    await profiles.changed(
        young(f"{unique}-y1", "c1", program=program),
        old(f"{unique}-o1", "c1", program=program),
        young(f"{unique}-y2", "c2", program=program, availability=LONGER),
        old(f"{unique}-o2", "c2", program=program, availability=LONGER),
    )

    async with running(strict) as app:
        await eventually(lambda: pairing_events.proposed_pairs(), within=60)
        assert (
            await app.state.runtime.directory.settings_for(program)
        ).policy.min_common_hours == 4

    assert pairing_events.proposed_pairs() == [(f"{unique}-y2", f"{unique}-o2")]
