"""The matcher and the notifier count one meeting series: the matcher's check-in after the second
meeting opens at the end of the second meeting of the invite the notifier planned, even when the
notifier handles the proposal days late (it plans from the proposal's time, not its own clock)."""

from datetime import timedelta

from services.notifier.compose import Schedule
from shared.availability import Slot
from shared.events import PairingProposed
from shared.meeting_settings import MeetingSettings
from shared.meetings import nth_meeting
from tests.fakes.notifier import FakeMailer, FakePublisher, FakeStore
from tests.unit.matcher.test_followup_step import PID, START, FollowedWorld, active
from tests.unit.matcher.test_step import due, step
from tests.unit.notifier.test_notify import Clock, notifier

LATE = timedelta(days=10)  # from its own clock, the notifier would plan a later first meeting


async def planned_late(proposal: PairingProposed) -> Schedule:
    """The series the notifier plans when it handles `proposal` LATE after it occurred."""
    store = FakeStore()
    service = notifier(store, FakeMailer(), FakePublisher(), Clock(proposal.occurred_at + LATE))
    await service.pairing_proposed(proposal)
    return store.schedules[proposal.data.pairing_id]


async def test_a_proposal_handled_late_gets_the_series_the_matcher_counts_its_check_in_from() -> (
    None
):
    world = FollowedWorld()
    replica = await active(world)
    [proposal] = world.of_type("pairing.proposed")
    assert isinstance(proposal, PairingProposed)
    schedule = await planned_late(proposal)
    assert schedule.start is not None and schedule.end is not None
    interval = MeetingSettings().meeting_interval_weeks
    second = nth_meeting(
        Slot(start=schedule.start, end=schedule.end),
        timezone=schedule.timezone,
        interval_weeks=interval,
        n=2,
    )

    world.now = second.end - timedelta(minutes=1)
    await step(replica, due())
    before = world.of_type("checkin.opened")
    world.now = second.end
    await step(replica, due())

    assert proposal.occurred_at == START  # the matcher's clock when it proposed
    assert schedule.start < START + LATE
    assert before == []
    assert [e.data.pairing_id for e in world.of_type("checkin.opened")] == [PID]  # type: ignore[attr-defined]
