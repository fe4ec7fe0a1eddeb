"""Rounds on the real broker and store: nobody is proposed until an operator starts a round
through the admin API; the preview taken just before shows the pairs the round proposes; the
same command sent twice runs the round once; the round record is kept by id."""

import pytest

from services.matcher.runtime import current
from services.matcher.settings import MatcherSettings
from shared.events import ProgramChanged
from shared.kafka import make_broker
from shared.settings import CommonSettings
from shared.topics import Topics
from tests.builders.matcher import old, young
from tests.builders.programs import program_snapshot
from tests.helpers import eventually, publish
from tests.integration.matcher.conftest import PairingEvents, Profiles, http, running

pytestmark = pytest.mark.integration


async def in_rounds(kafka_bootstrap: str, topics: Topics, program: str) -> None:
    """The program's record, as the profiles service publishes it: matched in rounds."""
    record = program_snapshot(program, schedule={"mode": "rounds"}, policy={})
    broker = make_broker(CommonSettings(kafka_bootstrap_servers=kafka_bootstrap), client_id="t")
    async with broker:
        await broker.start()
        event = ProgramChanged(producer="profiles", data=record)
        await publish(broker, topics.program_changes, program, event)


async def test_a_round_started_through_the_api_proposes_what_its_preview_showed(
    settings: MatcherSettings,
    profiles: Profiles,
    pairing_events: PairingEvents,
    unique: str,
    kafka_bootstrap: str,
    topics: Topics,
) -> None:
    program = f"{unique}-p"
    await in_rounds(kafka_bootstrap, topics, program)
    people = [young(f"{unique}-y{n}", program=program, craft=f"c{n}") for n in range(4)]
    people += [old(f"{unique}-o{n}", program=program, craft=f"c{n}") for n in range(4)]
    people.append(old(f"{unique}-o-spare", program=program, craft="c0", birth_year=1975))

    async with running(settings) as app, http(app) as client:
        await eventually(lambda: current(app).programs.get(program), within=30)
        await profiles.changed(*people)  # once the matcher knows the program is in rounds

        async def everyone_in() -> bool:
            shown = await client.get(f"/programs/{program}/preview")
            return bool(shown.json()["members"] == len(people))

        await eventually(everyone_in, within=60)
        await pairing_events.read_to_end()
        assert pairing_events.proposed_pairs() == []  # in rounds: nobody until a round runs
        preview = (await client.get(f"/programs/{program}/preview")).json()

        command = {"command_id": f"{unique}-cmd"}
        started = await client.post(f"/programs/{program}/rounds", json=command)
        again = await client.post(f"/programs/{program}/rounds", json=command)
        round_id = started.json()["round_id"]

        async def done() -> bool:
            found = await client.get(f"/programs/{program}/rounds/{round_id}")
            return found.status_code == 200 and found.json()["state"] == "done"

        await eventually(done, within=60)
        record = (await client.get(f"/programs/{program}/rounds/{round_id}")).json()
        await eventually(lambda: len(pairing_events.proposed_pairs()) >= 4, within=60)
        await pairing_events.read_to_end()

    shown = [(p["younger_id"], p["older_id"]) for p in preview["pairs"]]
    assert (started.status_code, again.json()["round_id"]) == (202, round_id)
    assert sorted(pairing_events.proposed_pairs()) == sorted(shown)
    assert sorted(shown) == sorted((f"{unique}-y{n}", f"{unique}-o{n}") for n in range(4))
    assert (record["planned"], record["proposed"], record["members"]) == (4, 4, 9)
    assert record["total_score"] == pytest.approx(preview["total_score"], abs=1e-6)
    assert [o["person_id"] for o in preview["left_out"]] == [f"{unique}-o-spare"]
    assert preview["left_out"][0]["reason"].startswith("capacity:")
