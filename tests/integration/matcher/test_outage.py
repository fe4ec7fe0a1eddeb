"""A broker outage under a running matcher: once the broker is back, new people are paired and no
pairing is proposed twice.

This test stops and starts the real broker (`kafka_control`), so run it against a stack of your own,
never one that others are testing against at the same time.
"""

import asyncio

import pytest
from aiokafka.errors import KafkaError

from services.matcher.settings import MatcherSettings
from shared.profile import ProfileSnapshot
from tests.builders.matcher import old, young
from tests.conftest import KafkaControl
from tests.helpers import eventually
from tests.integration.matcher.conftest import PairingEvents, Profiles, running

pytestmark = pytest.mark.integration

OUTAGE_SECONDS = 3


def pairs(program: str, numbers: range) -> tuple[list[ProfileSnapshot], set[tuple[str, str]]]:
    """People who pair `y<n>` with `o<n>` only, and those pairs."""
    people = [young(f"{program}-y{n}", program=program, craft=f"c{n}") for n in numbers]
    people += [old(f"{program}-o{n}", program=program, craft=f"c{n}") for n in numbers]
    return people, {(f"{program}-y{n}", f"{program}-o{n}") for n in numbers}


def distinct_proposals(events: PairingEvents) -> dict[str, set[str]]:
    """Distinct event_ids of `pairing.proposed`, per pairing id (a republish keeps its id)."""
    ids: dict[str, set[str]] = {}
    for event in events.of_type("pairing.proposed"):
        ids.setdefault(event.data.pairing_id, set()).add(str(event.event_id))
    return ids


async def test_after_a_broker_outage_new_people_are_paired_and_nothing_is_proposed_twice(
    settings: MatcherSettings,
    profiles: Profiles,
    pairing_events: PairingEvents,
    kafka_control: KafkaControl,
    unique: str,
) -> None:
    program = f"{unique}-p"
    before, expected_before = pairs(program, range(0, 5))
    after, expected_after = pairs(program, range(5, 10))
    await profiles.changed(*before)

    async with running(settings):
        await eventually(lambda: len(distinct_proposals(pairing_events)) >= 5, within=60)
        await kafka_control.stop()
        try:
            await asyncio.sleep(OUTAGE_SECONDS)  # the matcher keeps running without a broker
        finally:
            await kafka_control.start()
        await eventually(lambda: _published(profiles, after), within=90)
        await eventually(lambda: len(distinct_proposals(pairing_events)) >= 10, within=120)
        await pairing_events.settle(profiles, program)  # a second proposal would show by now

    twice = {pid: ids for pid, ids in distinct_proposals(pairing_events).items() if len(ids) > 1}
    assert twice == {}, "a pairing proposed twice with different event_ids"
    assert set(pairing_events.proposed_pairs()) == expected_before | expected_after
    assert pairing_events.of_type("pairing.cancelled") == []
    live = pairing_events.live_pairs_by_person()
    assert set(live) == {p.id for p in before + after}
    assert all(len(pairings) == 1 for pairings in live.values()), "someone in two live pairings"


async def _published(profiles: Profiles, people: list[ProfileSnapshot]) -> bool:
    """Publish once the broker accepts writes again (its producer may still be reconnecting)."""
    try:
        await profiles.changed(*people)
    except KafkaError:
        return False
    return True
