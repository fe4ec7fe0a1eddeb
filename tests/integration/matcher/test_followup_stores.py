"""The follow-up stores against the real store: an occasion is recorded once however many
writers race for it, and answers become revisions, each kept, with none lost to a race."""

import asyncio
from datetime import timedelta

import pytest
from pymongo.asynchronous.database import AsyncDatabase

from services.matcher.adapters.checkin_store import MongoCheckinAnswers
from services.matcher.adapters.followup_store import MongoFollowups
from services.matcher.core.lifecycle import PairingState
from services.matcher.usecases.followup_events import reminded
from shared.checkins import CheckinAnswer
from shared.mongo import Document
from tests.builders.matcher import NOW, pairing

pytestmark = pytest.mark.integration


def answer(usefulness: int, *, person: str = "young") -> CheckinAnswer:
    return CheckinAnswer(
        pairing_id="pr-a",
        program_id="prog-a",
        checkin_id="mid-program",
        person_id=person,
        role="younger",
        met="yes",
        usefulness=usefulness,
        answered_at=NOW + timedelta(minutes=usefulness),
        revision=1,
    )


async def test_two_writers_record_one_occasion_once_and_its_event_is_published_once(
    mongo: AsyncDatabase[Document],
) -> None:
    first, second = MongoFollowups(mongo), MongoFollowups(mongo)  # two replicas
    record = pairing("pr-a").model_copy(update={"state": PairingState.ACCEPTED})
    events = [reminded(record, now=NOW, correlation_id=None) for _ in range(2)]

    won = await asyncio.gather(
        *(
            store.record("pr-a#reminder", pairing_id="pr-a", program_id="prog-a", event=event)
            for store, event in zip((first, second), events, strict=True)
        )
    )
    pending = await first.unpublished("prog-a", ["pr-a#reminder"])
    await second.mark_published(["pr-a#reminder"])

    assert sorted(won) == [False, True]
    assert [p.headers["event_type"] for p in pending] == ["pairing.reminded"]
    assert await first.unpublished("prog-a", None) == []
    assert await first.recorded(["pr-a#reminder", "pr-a#nudge#x"]) == {"pr-a#reminder"}


async def test_answers_become_revisions_with_their_history_and_a_repeat_changes_nothing(
    mongo: AsyncDatabase[Document],
) -> None:
    store = MongoCheckinAnswers(mongo)
    await store.ensure_indexes()

    raced = await asyncio.gather(
        store.record(answer(2)), MongoCheckinAnswers(mongo).record(answer(4))
    )
    key = "pr-a#mid-program#young"
    stored = (await store.current([key]))[key]
    repeat = await store.record(answer(stored.usefulness or 0))  # what it says already
    doc = await mongo["checkin_answers"].find_one({"_id": key})

    assert sorted(r.current.revision for r in raced) == [1, 2]  # neither lost
    assert repeat.changed is False
    assert doc is not None and doc["revision"] == 2
    assert [h["revision"] for h in doc["history"]] == [1]
    assert [a.revision for a in await store.for_program("prog-a")] == [2]
