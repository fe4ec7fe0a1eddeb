"""The subscribers record and route: profile changes into the read model and on to each program
they touch, answers on to the owner of the pairing's program."""

import pytest

from services.matcher.adapters.handlers import record_profile_change, route_answer
from services.matcher.usecases.work import AnswerGiven, PersonChanged
from shared.events import DeletedProfile, ProfileDeleted
from shared.kafka import InvalidMessage
from tests.builders.matcher import answer, changed, pairing, profile
from tests.fakes.matcher import FakePairings, FakePeople, RecordingForward


async def test_a_profile_change_is_stored_and_its_program_told() -> None:
    people, forward = FakePeople(), RecordingForward()

    await record_profile_change(changed(profile("p1")), key="p1", people=people, forward=forward)

    assert people.people["p1"].version == 1
    assert [(w.data.program_id, w.data.item) for w in forward.sent] == [
        ("prog-a", PersonChanged(person_id="p1"))
    ]
    assert forward.sent[0].correlation_id == "corr-1"


async def test_moving_to_another_program_tells_both_programs() -> None:
    people, forward = FakePeople(profile("p1")), RecordingForward()

    moved = changed(profile("p1", version=2, program_id="prog-b"))
    await record_profile_change(moved, key="p1", people=people, forward=forward)

    assert sorted(w.data.program_id for w in forward.sent) == ["prog-a", "prog-b"]


async def test_a_change_the_store_ignores_as_stale_tells_nobody() -> None:
    people, forward = FakePeople(profile("p1", version=3)), RecordingForward()

    await record_profile_change(changed(profile("p1")), key="p1", people=people, forward=forward)

    assert forward.sent == []
    assert people.people["p1"].version == 3


async def test_a_deletion_removes_the_person_with_its_version() -> None:
    people, forward = FakePeople(profile("p1")), RecordingForward()
    deleted = ProfileDeleted(
        producer="profiles", data=DeletedProfile(id="p1", program_id="prog-a", version=2)
    )

    await record_profile_change(deleted, key="p1", people=people, forward=forward)

    assert people.calls == [("remove", "p1", 2)]
    assert [w.data.item for w in forward.sent] == [PersonChanged(person_id="p1")]


async def test_a_tombstone_removes_whatever_is_stored_under_its_key() -> None:
    people, forward = FakePeople(profile("p1")), RecordingForward()

    await record_profile_change(None, key="p1", people=people, forward=forward)

    assert people.calls == [("remove", "p1", None)]
    assert [w.data.program_id for w in forward.sent] == ["prog-a"]


async def test_a_tombstone_without_a_key_is_ignored() -> None:
    people, forward = FakePeople(), RecordingForward()

    await record_profile_change(None, key=None, people=people, forward=forward)

    assert (people.calls, forward.sent) == ([], [])


async def test_an_answer_goes_to_the_owner_of_the_pairings_program() -> None:
    pairings, forward = FakePairings(), RecordingForward()
    await pairings.create(pairing("pr-1", program="prog-z"), answer("pr-1", "young"))

    await route_answer(answer("pr-1", "old", "decline"), pairings=pairings, forward=forward)

    [work] = forward.sent
    assert work.data.program_id == "prog-z"
    assert isinstance(work.data.item, AnswerGiven)
    assert (work.data.item.answer.person_id, work.data.item.answer.decision) == ("old", "decline")
    assert work.correlation_id == "corr-9"


async def test_an_answer_to_an_unknown_pairing_is_dead_lettered() -> None:
    with pytest.raises(InvalidMessage):
        await route_answer(
            answer("pr-404", "old"), pairings=FakePairings(), forward=RecordingForward()
        )


async def test_an_answer_from_someone_outside_the_pairing_is_dead_lettered() -> None:
    pairings, forward = FakePairings(), RecordingForward()
    await pairings.create(pairing("pr-1"), answer("pr-1", "young"))

    with pytest.raises(InvalidMessage):
        await route_answer(answer("pr-1", "stranger"), pairings=pairings, forward=forward)
    assert forward.sent == []
