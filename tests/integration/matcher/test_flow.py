"""The matcher end to end on the real broker and store: profiles in, pairings out."""

import pytest

from services.matcher.settings import MatcherSettings
from shared.commands import PairingAnswer, RespondToPairing
from shared.kafka import make_broker
from shared.topics import Topics
from tests.builders.matcher import old, young
from tests.helpers import eventually, publish
from tests.integration.matcher.conftest import PairingEvents, Profiles, http, running

pytestmark = pytest.mark.integration


async def test_a_burst_of_profiles_yields_one_pairing_per_complementary_pair(
    settings: MatcherSettings, profiles: Profiles, pairing_events: PairingEvents, unique: str
) -> None:
    program = f"{unique}-p"
    people = [young(f"{unique}-y{n}", program=program, craft=f"c{n}") for n in range(8)]
    people += [old(f"{unique}-o{n}", program=program, craft=f"c{n}") for n in range(8)]
    await profiles.changed(*people)

    async with running(settings) as app:
        await eventually(lambda: len(pairing_events.proposed_pairs()) >= 8, within=60)
        async with http(app) as client:
            listed = (await client.get("/pairings", params={"program_id": program})).json()

            async def pool_metric() -> bool:
                metrics = (await client.get("/metrics")).text
                return f'matcher_pool_size{{program="{program}"}} 16.0' in metrics

            await eventually(pool_metric, within=10)

    expected = sorted((f"{unique}-y{n}", f"{unique}-o{n}") for n in range(8))
    assert sorted(pairing_events.proposed_pairs()) == expected
    assert sorted((p["younger"]["id"], p["older"]["id"]) for p in listed) == expected
    assert {p["state"] for p in listed} == {"proposed"}
    proposal = pairing_events.of_type("pairing.proposed")[0]
    assert proposal.data.explanation.summary
    assert proposal.data.younger.email.endswith("@example.org")


async def test_a_decline_through_the_api_frees_both_and_rematches_with_someone_else(
    settings: MatcherSettings, profiles: Profiles, pairing_events: PairingEvents, unique: str
) -> None:
    program = f"{unique}-p"
    y1 = young(f"{unique}-y1", program=program, craft="video")
    olders = [old(f"{unique}-o{n}", program=program, craft="video") for n in (1, 2)]
    await profiles.changed(y1, *olders)

    async with running(settings) as app:
        await eventually(lambda: pairing_events.proposed_pairs(), within=60)
        [first] = pairing_events.of_type("pairing.proposed")
        async with http(app) as client:
            answer = {"person_id": first.data.older.id, "decision": "decline"}
            response = await client.post(
                f"/pairings/{first.data.pairing_id}/responses", json=answer
            )
            assert response.status_code == 202
            await eventually(lambda: len(pairing_events.proposed_pairs()) == 2, within=60)
            again = await client.post(f"/pairings/{first.data.pairing_id}/responses", json=answer)
            stored = (await client.get(f"/pairings/{first.data.pairing_id}")).json()

    [_, second] = pairing_events.proposed_pairs()
    assert second[0] == y1.id and second[1] != first.data.older.id
    [cancelled] = pairing_events.of_type("pairing.cancelled")
    assert (cancelled.data.pairing_id, cancelled.data.reason_code) == (
        first.data.pairing_id,
        "declined",
    )
    assert (stored["state"], again.status_code) == ("declined", 409)


async def test_both_acceptances_on_the_response_topic_activate_the_pairing(
    settings: MatcherSettings,
    topics: Topics,
    profiles: Profiles,
    pairing_events: PairingEvents,
    unique: str,
) -> None:
    program = f"{unique}-p"
    await profiles.changed(
        young(f"{unique}-y", program=program, craft="video"),
        old(f"{unique}-o", program=program, craft="video"),
    )
    broker = make_broker(settings, client_id="test-app")

    async with running(settings), broker:
        await broker.start()
        [proposal] = await eventually(lambda: pairing_events.of_type("pairing.proposed"), within=60)
        for person in (f"{unique}-y", f"{unique}-o", f"{unique}-o"):
            answer = PairingAnswer(
                pairing_id=proposal.data.pairing_id, person_id=person, decision="accept"
            )
            command = RespondToPairing(producer="app", correlation_id=f"{unique}-c", data=answer)
            await publish(broker, topics.pairing_responses, answer.pairing_id, command)
        [activated] = await eventually(
            lambda: pairing_events.of_type("pairing.activated"), within=60
        )

    assert activated.data.pairing_id == proposal.data.pairing_id
    assert activated.correlation_id == f"{unique}-c"
    assert pairing_events.of_type("pairing.cancelled") == []


async def test_a_reorg_that_puts_a_pair_in_one_department_cancels_it_with_that_reason(
    settings: MatcherSettings, profiles: Profiles, pairing_events: PairingEvents, unique: str
) -> None:
    program = f"{unique}-p"
    y = young(f"{unique}-y", program=program, craft="video", department="Digital")
    o = old(f"{unique}-o", program=program, craft="video", department="Finance")
    await profiles.changed(y, o)

    async with running(settings):
        await eventually(lambda: pairing_events.proposed_pairs(), within=60)
        await profiles.changed(
            old(f"{unique}-o", program=program, craft="video", version=2, department="Digital")
        )
        [cancelled] = await eventually(
            lambda: pairing_events.of_type("pairing.cancelled"), within=60
        )

    assert cancelled.data.reason_code == "constraint_broken"
    assert "department" in cancelled.data.reason.lower()
    assert len(pairing_events.proposed_pairs()) == 1


async def test_a_deleted_profile_cancels_its_pairing_and_frees_the_partner(
    settings: MatcherSettings, profiles: Profiles, pairing_events: PairingEvents, unique: str
) -> None:
    program = f"{unique}-p"
    y = young(f"{unique}-y", program=program, craft="video")
    first, second = (old(f"{unique}-o{n}", program=program, craft="video") for n in (1, 2))
    await profiles.changed(y, first)

    async with running(settings):
        await eventually(lambda: pairing_events.proposed_pairs(), within=60)
        await profiles.deleted(first)
        await profiles.changed(second)
        await eventually(lambda: len(pairing_events.proposed_pairs()) == 2, within=60)

    [cancelled] = pairing_events.of_type("pairing.cancelled")
    assert cancelled.data.reason_code == "profile_deleted"
    assert pairing_events.proposed_pairs() == [(y.id, first.id), (y.id, second.id)]


async def test_an_unanswered_proposal_expires_and_the_pair_is_not_proposed_again(
    settings: MatcherSettings, profiles: Profiles, pairing_events: PairingEvents, unique: str
) -> None:
    program = f"{unique}-p"
    await profiles.changed(
        young(f"{unique}-y", program=program, craft="video"),
        old(f"{unique}-o", program=program, craft="video"),
    )
    quick = settings.model_copy(update={"proposal_ttl_hours": 2 / 3600})

    async with running(quick):
        [cancelled] = await eventually(
            lambda: pairing_events.of_type("pairing.cancelled"), within=60
        )
        await profiles.changed(
            young(f"{unique}-y", program=program, craft="video", version=2),
            old(f"{unique}-o2", program=program, craft="video"),
        )
        await eventually(lambda: len(pairing_events.proposed_pairs()) == 2, within=60)

    assert cancelled.data.reason_code == "expired"
    assert pairing_events.proposed_pairs() == [
        (f"{unique}-y", f"{unique}-o"),
        (f"{unique}-y", f"{unique}-o2"),
    ]


async def test_a_participant_ends_an_active_pairing_through_the_api(
    settings: MatcherSettings, profiles: Profiles, pairing_events: PairingEvents, unique: str
) -> None:
    program = f"{unique}-p"
    y, o = f"{unique}-y", f"{unique}-o"
    await profiles.changed(
        young(y, program=program, craft="video"), old(o, program=program, craft="video")
    )

    async with running(settings) as app, http(app) as client:
        [proposal] = await eventually(lambda: pairing_events.of_type("pairing.proposed"), within=60)
        url = f"/pairings/{proposal.data.pairing_id}"
        too_early = await client.post(f"{url}/end", json={"person_id": y})
        for person in (y, o):
            answer = {"person_id": person, "decision": "accept"}
            assert (await client.post(f"{url}/responses", json=answer)).status_code == 202
        await eventually(lambda: pairing_events.of_type("pairing.activated"), within=60)
        ending = await client.post(f"{url}/responses", json={"person_id": o, "decision": "end"})
        [cancelled] = await eventually(
            lambda: pairing_events.of_type("pairing.cancelled"), within=60
        )
        stored = (await client.get(url)).json()
        again = await client.post(f"{url}/end", json={"person_id": y})

    assert (too_early.status_code, ending.status_code, again.status_code) == (409, 202, 409)
    assert (cancelled.data.pairing_id, cancelled.data.reason_code) == (
        proposal.data.pairing_id,
        "ended",
    )
    assert cancelled.data.reason == f"ended by {o}"
    assert (stored["state"], stored["reason_code"]) == ("ended", "ended")
