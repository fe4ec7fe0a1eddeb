"""The follow-up clock in the program step, with in-memory stores: each occasion once across a
redelivered step and a new owner, nudges only to who has not answered, answers that change or
not, and the program's end, after which nobody is proposed."""

from datetime import UTC, datetime, timedelta

from services.matcher.adapters.followup_relay import FollowupRelay
from services.matcher.usecases.followups import FollowupPorts
from services.matcher.usecases.ports import pairing_id
from services.matcher.usecases.step import ProgramMatcher
from services.matcher.usecases.work import CheckinGiven, CheckinReply, MatchWork, Work
from tests.builders.matcher import PROGRAM, old, young
from tests.builders.programs import program_snapshot
from tests.fakes.matcher import FakeAnswerStore, FakeFollowups
from tests.unit.matcher.test_step import TTL, World, answered, changed, due, step

START = datetime(2027, 2, 1, 9, 0, tzinfo=UTC)  # a Monday: the program's first day
PID = pairing_id(PROGRAM, "y1", "o1")


class FollowedWorld(World):
    def __init__(self) -> None:
        super().__init__(young("y1"), old("o1"))
        self.now = START
        self.followups, self.answers = FakeFollowups(), FakeAnswerStore()
        record = program_snapshot(
            PROGRAM,
            schedule={"mode": "continuous", "settle_minutes": 0},
            policy={},
            enrolment_opens=None,
            enrolment_closes=None,
            starts_on="2027-02-01",
            ends_on="2027-03-31",
        )
        self.programs.records[PROGRAM] = record

    def followup_ports(self) -> FollowupPorts:
        relay = FollowupRelay(self.followups, self.published, topic="pairings")
        return FollowupPorts(self.followups, self.answers, relay)

    def of_type(self, event_type: str) -> list[object]:
        return [e for e in self.events() if e.event_type == event_type]


def reply(person: str, **said: object) -> list[MatchWork]:
    data = CheckinReply.model_validate(
        {"pairing_id": PID, "checkin_id": "after-second-meeting", "person_id": person}
        | {"answered_at": START + timedelta(days=16)}
        | said
    )
    item = CheckinGiven(reply=data)
    return [MatchWork(producer="t", data=Work(program_id=PROGRAM, item=item))]


async def active(world: FollowedWorld) -> ProgramMatcher:
    replica = world.replica()
    await step(replica, changed("y1", "o1"))
    await step(replica, answered("y1", "o1", "o1", "accept"))
    await step(replica, answered("y1", "o1", "y1", "accept"))
    return replica


async def test_the_reminder_goes_once_across_a_redelivered_step_and_a_new_owner() -> None:
    world = FollowedWorld()
    replica = world.replica()
    await step(replica, changed("y1", "o1"))
    before = world.followups.due[PROGRAM]  # stored by the very step that proposed it
    await step(replica, answered("y1", "o1", "y1", "accept"))
    world.now = START + timedelta(days=3, hours=13)  # 84 h: halfway to the expiry

    await step(replica, due())
    await step(replica, due())  # redelivered
    await step(world.replica(), due())  # another owner, rebuilt from the store

    [reminder] = world.of_type("pairing.reminded")
    assert before == START + TTL / 2
    assert reminder.data.waiting_on == ["o1"]  # type: ignore[attr-defined]


async def test_a_nudge_goes_to_whoever_has_not_answered_and_the_answer_revises_once() -> None:
    world = FollowedWorld()
    replica = await active(world)
    # first meeting Tuesday 2 February 17:00 UTC; the second ends 16 February 18:00 UTC
    world.now = datetime(2027, 2, 16, 18, 0, tzinfo=UTC)
    await step(replica, due())
    await step(replica, reply("y1", met="yes", usefulness=4))
    await step(replica, reply("y1", met="yes", usefulness=4))  # the same again
    await step(replica, reply("y1", met="yes", usefulness=5))
    world.now = datetime(2027, 2, 23, 18, 0, tzinfo=UTC)
    await step(replica, due())
    await step(world.replica(), due())

    [opened] = world.of_type("checkin.opened")
    [nudge] = world.of_type("checkin.nudged")
    revisions = [e.data.revision for e in world.of_type("checkin.answered")]  # type: ignore[attr-defined]
    assert opened.data.checkin_id == "after-second-meeting"  # type: ignore[attr-defined]
    assert nudge.data.waiting_on == ["o1"]  # type: ignore[attr-defined]
    assert revisions == [1, 2]
    assert [a.usefulness for a in world.answers.history[f"{PID}#after-second-meeting#y1"]] == [4]


async def test_at_the_end_the_pairing_ends_with_a_final_check_in_and_nobody_is_proposed() -> None:
    world = FollowedWorld()
    replica = await active(world)
    world.now = datetime(2027, 3, 31, 22, 0, tzinfo=UTC)  # 1 April 00:00 in Berlin
    await step(replica, due())
    world.people.people["y2"], world.people.people["o2"] = young("y2"), old("o2")
    await step(replica, changed("y2", "o2"))

    [end] = world.of_type("pairing.cancelled")
    finals = [e for e in world.of_type("checkin.opened") if e.data.final]  # type: ignore[attr-defined]
    assert end.data.reason_code == "program_ended"  # type: ignore[attr-defined]
    assert [e.data.checkin_id for e in finals] == ["program-end"]  # type: ignore[attr-defined]
    assert world.proposed_pairs() == [("y1", "o1")]


async def test_a_rematch_frees_both_and_the_same_two_are_never_proposed_again() -> None:
    world = FollowedWorld()
    replica = await active(world)
    await step(replica, answered("y1", "o1", "o1", "rematch"))
    world.people.people["o2"] = old("o2", birth_year=1970)
    await step(replica, changed("o2"))
    await step(world.replica(), due())  # a new owner, rebuilt from the store, proposes no more

    [ended] = world.of_type("pairing.cancelled")
    assert ended.data.reason_code == "rematch_requested"  # type: ignore[attr-defined]
    assert world.proposed_pairs() == [("y1", "o1"), ("y1", "o2")]
