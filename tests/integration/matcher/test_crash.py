"""The matcher process killed with SIGKILL mid-stream, then started again: nothing lost, nothing
proposed twice, nobody in two live pairings.

A republished event with the same event_id (a crash between publishing and marking it sent) is
allowed: consumers dedupe on event_id. Two proposals of one pairing with different event_ids are not.
"""

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pymongo.asynchronous.database import AsyncDatabase

from services.matcher.settings import MatcherSettings
from services.matcher.usecases.ports import pairing_id
from shared.mongo import Document
from tests.builders.matcher import old, young
from tests.helpers import eventually
from tests.integration.matcher.conftest import PairingEvents, Profiles, running
from tests.integration.matcher.process import MatcherProcess

pytestmark = pytest.mark.integration

PAIRS = 30


@pytest.fixture
def matcher(settings: MatcherSettings, tmp_path: Path) -> Iterator[MatcherProcess]:
    process = MatcherProcess(settings, tmp_path / "matcher.log")
    yield process
    process.kill()


def proposal_event_ids(events: PairingEvents) -> dict[str, set[str]]:
    """Distinct event_ids of `pairing.proposed`, per pairing id."""
    ids: dict[str, set[str]] = {}
    for event in events.of_type("pairing.proposed"):
        ids.setdefault(event.data.pairing_id, set()).add(str(event.event_id))
    return ids


async def test_a_matcher_killed_mid_stream_loses_nothing_and_proposes_nothing_twice(
    matcher: MatcherProcess, profiles: Profiles, pairing_events: PairingEvents, unique: str
) -> None:
    program = f"{unique}-p"
    younger = [young(f"{program}-y{n}", program=program, craft=f"c{n}") for n in range(PAIRS)]
    older = [old(f"{program}-o{n}", program=program, craft=f"c{n}") for n in range(PAIRS)]
    expected = {(y.id, o.id) for y, o in zip(younger, older, strict=True)}
    await asyncio.to_thread(matcher.start)
    await profiles.changed(*younger)

    async def trickle() -> None:  # each older person completes one pair, across the crash
        for person in older:
            await profiles.changed(person)
            await asyncio.sleep(0.15)

    stream = asyncio.create_task(trickle())
    await eventually(lambda: pairing_events.proposed_pairs(), within=60, every=0.05)
    await asyncio.to_thread(matcher.kill)
    pairings_at_crash = len(proposal_event_ids(pairing_events))
    await asyncio.to_thread(matcher.start)
    await stream
    await eventually(lambda: len(proposal_event_ids(pairing_events)) >= PAIRS, within=120)
    await pairing_events.settle(profiles, program)  # a second proposal would show by now

    assert 0 < pairings_at_crash < PAIRS, "the crash happened mid-stream"
    twice = {pid: ids for pid, ids in proposal_event_ids(pairing_events).items() if len(ids) > 1}
    assert twice == {}, "a pairing proposed twice with different event_ids"
    assert set(pairing_events.proposed_pairs()) == expected
    assert pairing_events.of_type("pairing.cancelled") == []
    live = pairing_events.live_pairs_by_person()
    assert set(live) == {person for pair in expected for person in pair}
    assert all(len(pairings) == 1 for pairings in live.values()), "someone in two live pairings"


async def test_a_slot_claimed_by_a_killed_matcher_does_not_keep_its_person_unpaired(
    settings: MatcherSettings,
    profiles: Profiles,
    pairing_events: PairingEvents,
    mongo: AsyncDatabase[Document],
    unique: str,
) -> None:
    """A SIGKILL between claiming a person's slot and creating the pairing leaves the slot with no
    pairing. The random kill above rarely lands there, so this test leaves that state itself."""
    program = f"{unique}-p"
    y = young(f"{program}-y", program=program, craft="video")
    o = old(f"{program}-o", program=program, craft="video")
    claimed = {"pairing_id": pairing_id(program, y.id, o.id), "program_id": program}
    await mongo.slots.insert_one({"_id": f"{y.id}#0", **claimed, "claimed_at": datetime.now(UTC)})
    await profiles.changed(y, o)
    quick = settings.model_copy(update={"orphan_slot_seconds": 1.0})  # every chance to free it

    async with running(quick):
        await eventually(lambda: pairing_events.proposed_pairs(), within=20)

    assert pairing_events.proposed_pairs() == [(y.id, o.id)]
