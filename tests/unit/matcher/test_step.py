"""One program step with in-memory stores and the real engine: proposals, answers, expiry,
broken constraints, departures, take-over after a restart and the guards against double pairing."""

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import TypeAdapter

from services.matcher.adapters.relay import Relay
from services.matcher.core.errors import StaleProgram
from services.matcher.core.lifecycle import PairingState
from services.matcher.usecases.directory import ProgramDirectory
from services.matcher.usecases.followups import FollowupPorts
from services.matcher.usecases.ports import Slot, pairing_id
from services.matcher.usecases.step import ProgramMatcher
from services.matcher.usecases.work import (
    AnswerGiven,
    MatchWork,
    PersonChanged,
    ProgramDue,
    SettingsChanged,
    Work,
)
from shared.commands import PairingAnswer
from shared.events import CancelledPairing, PairingCancelled, PairingEvent, PairingProposed
from shared.profile import ProfileSnapshot
from tests.builders.matcher import PROGRAM, old, young
from tests.builders.programs import program_snapshot
from tests.fakes.matcher import (
    FakePairings,
    FakePeople,
    FakeRounds,
    FakeSlots,
    RecordingPublisher,
    RecordingWake,
)
from tests.fakes.programs import FakePrograms

TTL = timedelta(days=7)
EVENTS: TypeAdapter[PairingEvent] = TypeAdapter(PairingEvent)


class World:
    """The stores a matcher replica uses, shared by replicas (so a new one is a restart)."""

    def __init__(self, *people: ProfileSnapshot) -> None:
        self.people = FakePeople(*people)
        self.pairings = FakePairings()
        self.slots = FakeSlots()
        self.published = RecordingPublisher()
        self.programs = FakePrograms()
        self.rounds = FakeRounds()
        self.wake = RecordingWake()
        self.directory = ProgramDirectory(self.programs, defaults={}, deployment={})
        self.now = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)

    def replica(self) -> ProgramMatcher:
        return ProgramMatcher(
            people=self.people,
            pairings=self.pairings,
            slots=self.slots,
            relay=Relay(self.pairings, self.published, topic="pairings"),
            settings_for=self.directory.settings_for,
            rounds=self.rounds,
            wake=self.wake,
            proposal_ttl=TTL,
            orphan_slot_after=timedelta(minutes=2),
            clock=lambda: self.now,
            followups=self.followup_ports(),
        )

    def followup_ports(self) -> FollowupPorts | None:
        """None: these replicas keep no follow-up clock (a subclass may give them one)."""
        return None

    def events(self) -> list[PairingEvent]:
        return [EVENTS.validate_json(payload) for _, _, payload in self.published.sent]

    def kinds(self) -> list[str]:
        return [e.event_type for e in self.events()]

    def proposed_pairs(self) -> list[tuple[str, str]]:
        return [
            (e.data.younger.id, e.data.older.id)
            for e in self.events()
            if isinstance(e, PairingProposed)
        ]

    def state(self, younger: str, older: str) -> PairingState:
        return self.pairings.docs[pairing_id(PROGRAM, younger, older)].record.state


def cancelled(event: PairingEvent) -> CancelledPairing:
    assert isinstance(event, PairingCancelled)
    return event.data


def changed(*people: str) -> list[MatchWork]:
    return [_work(PersonChanged(person_id=p)) for p in people]


def answered(younger: str, older: str, by: str, decision: str) -> list[MatchWork]:
    answer = PairingAnswer(
        pairing_id=pairing_id(PROGRAM, younger, older), person_id=by, decision=decision
    )
    return [_work(AnswerGiven(answer=answer))]


def due() -> list[MatchWork]:
    return [_work(ProgramDue())]


def _work(item: PersonChanged | AnswerGiven | ProgramDue | SettingsChanged) -> MatchWork:
    return MatchWork(
        producer="test", correlation_id="corr", data=Work(program_id=PROGRAM, item=item)
    )


async def step(replica: ProgramMatcher, work: Sequence[MatchWork]) -> None:
    """One step, and the record of what it published, which the relay finishes after the step
    (the coordinator waits for it before it stops or gives the program up, as a restart here
    does: `test_relay` on the real store has the record in flight)."""
    await replica.step(PROGRAM, work)
    await replica.recorded()


async def test_complementary_people_are_proposed_once_with_participants_and_explanation() -> None:
    world = World(young("y1", "video"), old("o1", "video"))
    replica = world.replica()

    await step(replica, changed("y1", "o1"))
    await step(replica, changed("y1"))

    [event] = world.events()
    assert isinstance(event, PairingProposed)
    assert (event.data.younger.id, event.data.older.id) == ("y1", "o1")
    assert event.data.older.email == "o1@example.org"
    assert event.data.explanation.younger_teaches and event.data.explanation.older_teaches
    assert event.data.expires_at == world.now + TTL
    assert event.correlation_id == "corr"
    assert world.published.sent[0][1] == pairing_id(PROGRAM, "y1", "o1").encode()
    assert sorted(world.slots.slots) == ["o1#0", "y1#0"]


async def test_a_decline_frees_both_and_the_pair_is_never_proposed_again() -> None:
    world = World(young("y1", "video"), old("o1", "video"), old("o2", "video"))
    replica = world.replica()
    await step(replica, changed("y1", "o1", "o2"))
    [(_, first)] = world.proposed_pairs()
    second = "o2" if first == "o1" else "o1"

    await step(replica, answered("y1", first, by="y1", decision="decline"))
    await step(replica, changed("y1", "o1", "o2"))

    assert world.state("y1", first) is PairingState.DECLINED
    assert world.proposed_pairs() == [("y1", first), ("y1", second)]
    assert world.kinds() == ["pairing.proposed", "pairing.cancelled", "pairing.proposed"]
    assert cancelled(world.events()[1]).reason_code == "declined"


async def test_both_acceptances_activate_the_pairing() -> None:
    world = World(young("y1", "video"), old("o1", "video"))
    replica = world.replica()
    await step(replica, changed("y1", "o1"))

    await step(replica, answered("y1", "o1", by="o1", decision="accept"))
    assert world.kinds() == ["pairing.proposed"]
    await step(replica, answered("y1", "o1", by="y1", decision="accept"))
    await step(replica, answered("y1", "o1", by="y1", decision="accept"))

    assert world.kinds() == ["pairing.proposed", "pairing.activated"]
    assert world.state("y1", "o1") is PairingState.ACTIVE


async def test_ending_an_active_pairing_frees_both_for_new_partners_but_never_each_other() -> None:
    world = World(young("y1", "video"), old("o1", "video"))
    replica = world.replica()
    await step(replica, changed("y1", "o1"))
    await step(replica, answered("y1", "o1", by="y1", decision="end"))  # not active yet
    for by in ("y1", "o1"):
        await step(replica, answered("y1", "o1", by=by, decision="accept"))
    assert world.slots.slots.keys() == {"y1#0", "o1#0"}

    await step(replica, answered("y1", "o1", by="o1", decision="end"))
    await step(replica, answered("y1", "o1", by="y1", decision="end"))
    assert world.slots.slots == {}
    world.people.people.update(y2=young("y2", "video"), o2=old("o2", "video"))
    await step(replica, changed("y1", "o1", "y2", "o2"))

    assert world.state("y1", "o1") is PairingState.ENDED
    assert world.kinds()[:3] == ["pairing.proposed", "pairing.activated", "pairing.cancelled"]
    ended = cancelled(world.events()[2])
    assert (ended.reason_code, ended.reason) == ("ended", "ended by o1")
    assert world.kinds().count("pairing.cancelled") == 1
    assert sorted(world.proposed_pairs()[1:]) == [("y1", "o2"), ("y2", "o1")]
    assert sorted(world.slots.slots) == ["o1#0", "o2#0", "y1#0", "y2#0"]


async def test_a_pairing_names_its_slots_and_a_declined_one_frees_exactly_those() -> None:
    world = World(young("y1", "video", max_pairings=2), old("o1", "video"), old("o2", "video"))
    replica = world.replica()
    await step(replica, changed("y1", "o1", "o2"))
    first, second = (world.pairings.docs[pairing_id(PROGRAM, "y1", o)].record for o in ("o1", "o2"))
    assert set(first.slots) | set(second.slots) == set(world.slots.slots)
    assert len(first.slots) == len(second.slots) == 2

    await step(replica, answered("y1", "o1", by="o1", decision="decline"))

    assert set(world.slots.slots) == set(second.slots)


async def test_a_reorg_into_one_department_cancels_the_pair_with_the_engines_reason() -> None:
    world = World(young("y1", "video"), old("o1", "video"))
    replica = world.replica()
    await step(replica, changed("y1", "o1"))

    world.people.people["o1"] = old("o1", "video", version=2, department="Digital")
    await step(replica, changed("o1"))

    event = world.events()[-1]
    assert event.event_type == "pairing.cancelled"
    assert cancelled(event).reason_code == "constraint_broken"
    assert "department" in cancelled(event).reason.lower()
    assert world.slots.slots == {}
    assert world.proposed_pairs() == [("y1", "o1")]


@pytest.mark.parametrize(
    ("change", "code"),
    [
        (lambda w: w.people.people.pop("o1"), "profile_deleted"),
        (
            lambda w: w.people.people.update(o1=old("o1", "video", version=2, opted_in=False)),
            "constraint_broken",
        ),
        (
            lambda w: w.people.people.update(o1=old("o1", "video", version=2, program_id="b")),
            "constraint_broken",
        ),
    ],
    ids=["deleted", "opted-out", "moved"],
)
async def test_a_person_who_leaves_has_their_pairing_cancelled(change: Any, code: str) -> None:
    world = World(young("y1", "video"), old("o1", "video"), old("o2", "video"))
    replica = world.replica()
    await step(replica, changed("y1", "o1"))
    assert world.proposed_pairs() == [("y1", "o1")]

    change(world)
    await step(replica, changed("o1", "o2"))

    assert world.kinds() == ["pairing.proposed", "pairing.cancelled", "pairing.proposed"]
    assert cancelled(world.events()[1]).reason_code == code
    assert world.proposed_pairs()[-1] == ("y1", "o2")


async def test_an_unanswered_proposal_expires_on_a_due_step() -> None:
    world = World(young("y1", "video"), old("o1", "video"))
    replica = world.replica()
    await step(replica, changed("y1", "o1"))

    await step(replica, due())
    assert world.state("y1", "o1") is PairingState.PROPOSED
    world.now += TTL
    await step(replica, due())

    assert world.state("y1", "o1") is PairingState.EXPIRED
    assert world.kinds() == ["pairing.proposed", "pairing.cancelled"]
    assert world.slots.slots == {}


async def test_a_restarted_replica_rebuilds_from_the_store_and_repeats_nothing() -> None:
    world = World(
        *(young(f"y{n}", f"c{n}") for n in range(4)), *(old(f"o{n}", f"c{n}") for n in range(4))
    )
    await step(world.replica(), changed(*(f"y{n}" for n in range(4)), *(f"o{n}" for n in range(4))))
    await step(world.replica(), answered("y0", "o0", by="y0", decision="decline"))

    restarted = world.replica()
    await step(restarted, changed("y1", "o1", "y0", "o0"))

    assert sorted(world.proposed_pairs()) == [(f"y{n}", f"o{n}") for n in range(4)]
    assert world.kinds().count("pairing.cancelled") == 1


async def test_a_pairing_changed_behind_the_replicas_back_abandons_the_step() -> None:
    world = World(young("y1", "video"), old("o1", "video"))
    replica = world.replica()
    await step(replica, changed("y1", "o1"))
    doc = world.pairings.docs[pairing_id(PROGRAM, "y1", "o1")]
    doc.record = doc.record.model_copy(update={"sequence": 5})  # another replica moved it on

    with pytest.raises(StaleProgram):
        await step(replica, answered("y1", "o1", by="y1", decision="decline"))

    assert replica.pool_sizes() == {}  # dropped: rebuilt from the store next time


async def test_a_person_whose_slots_are_all_held_elsewhere_is_not_paired() -> None:
    world = World(young("y1", "video"), old("o1", "video"))
    await world.slots.claim("y1", 1, pairing_id="pr-elsewhere", program_id="prog-b")

    await step(world.replica(), changed("y1", "o1"))

    assert world.events() == []
    assert set(world.slots.slots) == {"y1#0"}


async def test_a_take_over_frees_orphaned_slots_and_cancels_pairings_of_people_who_left() -> None:
    world = World(young("y1", "video"), old("o1", "video"), young("y2", "art"), old("o2", "art"))
    await step(world.replica(), changed("y1", "o1", "y2", "o2"))
    world.people.people.pop("o1")  # deleted while no replica held the program
    stale = Slot("o2#1", "pr-crashed", world.now - timedelta(hours=1))
    world.slots.slots["o2#1"] = (stale, PROGRAM)

    await step(world.replica(), due())

    assert world.state("y1", "o1") is PairingState.CANCELLED
    assert cancelled(world.events()[-1]).reason_code == "profile_deleted"
    assert "o2#1" not in world.slots.slots


async def test_events_left_unpublished_by_a_failed_publish_go_out_once_on_the_next_step() -> None:
    world = World(young("y1", "video"), old("o1", "video"))
    replica = world.replica()
    world.published.failing = True  # the broker is down
    with pytest.raises(ConnectionError):
        await step(replica, changed("y1", "o1"))

    world.published.failing = False
    await step(replica, changed("y1"))
    await step(replica, changed("o1"))

    assert world.kinds() == ["pairing.proposed"]


async def test_a_changed_program_record_applies_its_policy_from_the_next_step() -> None:
    world = World(young("y1", "video"), old("o1", "video"))  # three common hours a week
    continuous = {"mode": "continuous", "settle_minutes": 0}
    strict = program_snapshot(PROGRAM, schedule=continuous, policy={"min_common_hours": 4})
    world.programs.records[PROGRAM] = strict
    replica = world.replica()
    await step(replica, changed("y1", "o1"))
    assert world.proposed_pairs() == []

    world.programs.records[PROGRAM] = program_snapshot(
        PROGRAM, version=2, schedule=continuous, policy={"min_common_hours": 2}
    )
    await step(replica, [_work(SettingsChanged(version=2))])

    assert world.proposed_pairs() == [("y1", "o1")]


async def test_a_step_that_ends_well_settles_its_claims_and_a_failed_one_leaves_them_swept() -> (
    None
):
    world = World(young("y1", "video"), old("o1", "video"))
    replica = world.replica()
    world.published.failing = True
    with pytest.raises(ConnectionError):
        await step(replica, changed("y1", "o1"))
    assert (world.slots.kept, world.slots.unsure) == ([], [PROGRAM])

    world.published.failing = False
    await step(replica, changed("y1"))

    assert (world.slots.kept, world.slots.unsure) == ([PROGRAM], [PROGRAM])
