"""Restarts and replicas: nothing lost, nothing proposed twice, nobody paired twice."""

import asyncio
import itertools

import pytest
from aiokafka.partitioner import murmur2

from services.matcher.settings import MatcherSettings
from shared.profile import ProfileSnapshot
from tests.builders.matcher import old, young
from tests.helpers import eventually
from tests.integration.matcher.conftest import PairingEvents, Profiles, running

pytestmark = pytest.mark.integration


def program_of_pairs(unique: str, program: str, pairs: int) -> list[ProfileSnapshot]:
    people = [young(f"{program}-y{n}", program=program, craft=f"c{n}") for n in range(pairs)]
    return people + [old(f"{program}-o{n}", program=program, craft=f"c{n}") for n in range(pairs)]


def expected_pairs(program: str, pairs: int) -> list[tuple[str, str]]:
    return [(f"{program}-y{n}", f"{program}-o{n}") for n in range(pairs)]


def assert_each_pair_once_and_nobody_twice(
    events: PairingEvents, expected: list[tuple[str, str]]
) -> None:
    proposals = events.of_type("pairing.proposed")
    assert len({e.data.pairing_id for e in proposals}) == len(proposals), "a pairing proposed twice"
    assert sorted(events.proposed_pairs()) == sorted(expected)
    assert events.of_type("pairing.cancelled") == []
    assert all(len(live) == 1 for live in events.live_pairs_by_person().values())


async def test_a_restart_mid_stream_loses_nothing_and_proposes_nothing_twice(
    settings: MatcherSettings, profiles: Profiles, pairing_events: PairingEvents, unique: str
) -> None:
    program = f"{unique}-p"
    people = program_of_pairs(unique, program, 20)
    await profiles.changed(*people[:20])

    async def trickle() -> None:  # the older half arrives one by one, across the restart
        for person in people[20:]:
            await profiles.changed(person)
            await asyncio.sleep(0.2)

    stream = asyncio.create_task(trickle())
    async with running(settings):
        await eventually(lambda: pairing_events.proposed_pairs(), within=60)
    proposed_before_restart = len(pairing_events.proposed_pairs())
    await stream

    async with running(settings):
        await eventually(lambda: len(pairing_events.proposed_pairs()) >= 20, within=60)
        await pairing_events.settle(profiles, program)  # a duplicate would show by now

    assert 0 < proposed_before_restart < 20, "the restart happened mid-stream"
    assert_each_pair_once_and_nobody_twice(pairing_events, expected_pairs(program, 20))


def programs_on_every_partition(unique: str, partitions: int, each: int) -> list[str]:
    """Program ids whose work lands `each` on every partition, so every replica owns some."""
    found: dict[int, list[str]] = {n: [] for n in range(partitions)}
    for n in itertools.count():
        program = f"{unique}-p{n}"
        slot = (murmur2(program.encode()) & 0x7FFFFFFF) % partitions
        if len(found[slot]) < each:
            found[slot].append(program)
        if all(len(programs) == each for programs in found.values()):
            return [program for programs in found.values() for program in programs]
    raise AssertionError("unreachable")


async def test_two_matchers_in_one_group_never_pair_one_person_twice(
    settings: MatcherSettings, profiles: Profiles, pairing_events: PairingEvents, unique: str
) -> None:
    programs = programs_on_every_partition(unique, partitions=3, each=2)
    people = {p.id: p for program in programs for p in program_of_pairs(unique, program, 5)}
    expected = [pair for program in programs for pair in expected_pairs(program, 5)]
    thirds = [[people[p] for pair in expected[n::3] for p in pair] for n in range(3)]
    await profiles.changed(*thirds[0])

    async with running(settings) as first:
        await eventually(lambda: pairing_events.proposed_pairs(), within=60)
        async with running(settings) as second:  # joins mid-stream: a rebalance
            await profiles.changed(*thirds[1])
            replicas = [app.state.runtime.coordinator for app in (first, second)]
            await eventually(lambda: all(r.partitions for r in replicas), within=60)
            await profiles.changed(*thirds[2])
            await eventually(
                lambda: len(pairing_events.proposed_pairs()) >= len(expected), within=90
            )
            await pairing_events.settle(profiles, *programs)  # a duplicate would show by now
            owned = [set(app.state.runtime.matcher.pool_sizes()) for app in (first, second)]

    assert_each_pair_once_and_nobody_twice(pairing_events, expected)
    assert owned[0] and owned[1], "both replicas own programs"
    assert not owned[0] & owned[1], "no program is held by both"
