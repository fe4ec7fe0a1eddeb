"""The sweeper makes a program due when its next follow-up has come, or when one of its slots has
just become old enough to be released as an orphan (a crash between claiming the slot and
creating the pairing)."""

from datetime import UTC, datetime, timedelta

from services.matcher.adapters.sweeper import Sweeper
from services.matcher.usecases.ports import Slot
from services.matcher.usecases.work import MatchWork, ProgramDue
from tests.fakes.matcher import FakeFollowups, FakePairings, FakeSlots

CLAIMED = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
ORPHAN_AFTER = timedelta(seconds=120)
WINDOW = timedelta(seconds=90)


async def due_at(now: datetime) -> list[str]:
    slots = FakeSlots()
    slots.slots["y1#0"] = (Slot("y1#0", "never-created", CLAIMED), "program-a")
    forwarded: list[MatchWork] = []

    async def forward(work: MatchWork) -> None:
        forwarded.append(work)

    sweeper = Sweeper(
        FakePairings(),
        slots,
        forward,
        stuck_after=timedelta(seconds=30),
        orphan_after=ORPHAN_AFTER,
        window=WINDOW,
        clock=lambda: now,
    )
    due = await sweeper.sweep()
    assert [w.data.program_id for w in forwarded] == due
    assert all(w.data.item.kind == "due" for w in forwarded)
    return due


async def test_a_slot_that_just_became_old_enough_makes_its_program_due() -> None:
    assert await due_at(CLAIMED + ORPHAN_AFTER + timedelta(seconds=1)) == ["program-a"]


async def test_a_young_slot_does_not_make_its_program_due() -> None:
    assert await due_at(CLAIMED + ORPHAN_AFTER - timedelta(seconds=1)) == []


async def test_a_slot_past_the_window_no_longer_makes_its_program_due() -> None:
    assert await due_at(CLAIMED + ORPHAN_AFTER + WINDOW + timedelta(seconds=1)) == []


async def test_a_program_whose_next_follow_up_has_come_is_due() -> None:
    followups, forwarded = FakeFollowups(), list[tuple[str, str]]()

    async def forward(work: MatchWork) -> None:
        item = work.data.item
        assert isinstance(item, ProgramDue)
        forwarded.append((work.data.program_id, item.why))

    await followups.set_due("program-b", CLAIMED)
    await followups.set_due("program-c", CLAIMED + timedelta(hours=1))
    sweeper = Sweeper(
        FakePairings(),
        FakeSlots(),
        forward,
        stuck_after=timedelta(seconds=30),
        orphan_after=ORPHAN_AFTER,
        window=WINDOW,
        clock=lambda: CLAIMED,
        followups=followups,
    )

    assert await sweeper.sweep() == ["program-b"]
    assert forwarded == [("program-b", "followups")]  # no upkeep: nothing else is due
