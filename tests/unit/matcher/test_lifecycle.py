"""The pairing lifecycle: proposed -> accepted -> active -> ended; declined, expired, cancelled."""

from datetime import UTC, datetime, timedelta

import pytest

from services.matcher.core import lifecycle
from services.matcher.core.errors import NotAParticipant
from services.matcher.core.lifecycle import PairingState, Status
from shared.commands import Decision

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
TTL = timedelta(days=7)


def proposed() -> Status:
    return lifecycle.propose("young", "old", now=NOW, ttl=TTL).status


def accepted_by(*people: str) -> Status:
    status = proposed()
    for person in people:
        change = lifecycle.respond(status, person, accept=True)
        assert change is not None
        status = change.status
    return status


def test_a_proposal_emits_proposed_and_expires_after_the_ttl() -> None:
    change = lifecycle.propose("young", "old", now=NOW, ttl=TTL)

    assert change.emits == "proposed"
    assert change.status.state is PairingState.PROPOSED
    assert change.status.expires_at == NOW + TTL
    assert change.status.sequence == 0


def test_one_acceptance_is_stored_without_an_event() -> None:
    change = lifecycle.respond(proposed(), "old", accept=True)

    assert change is not None
    assert change.emits is None
    assert change.status.state is PairingState.ACCEPTED
    assert change.status.accepted_by == {"old"}
    assert change.status.sequence == 1


@pytest.mark.parametrize("order", [("young", "old"), ("old", "young")])
def test_both_acceptances_activate_the_pairing(order: tuple[str, str]) -> None:
    change = lifecycle.respond(accepted_by(order[0]), order[1], accept=True)

    assert change is not None
    assert change.emits == "activated"
    assert change.status.state is PairingState.ACTIVE
    assert change.status.sequence == 2


def test_a_repeated_acceptance_changes_nothing() -> None:
    assert lifecycle.respond(accepted_by("young"), "young", accept=True) is None


@pytest.mark.parametrize("before", [(), ("old",), ("young",)])
def test_a_decline_while_awaiting_answers_cancels_with_reason_declined(
    before: tuple[str, ...],
) -> None:
    change = lifecycle.respond(accepted_by(*before), "young", accept=False)

    assert change is not None
    assert change.emits == "cancelled"
    assert change.status.state is PairingState.DECLINED
    assert change.status.reason_code == "declined"
    assert change.status.reason is not None and "young" in change.status.reason
    assert not change.status.live


@pytest.mark.parametrize("accept", [True, False])
def test_answers_to_an_active_pairing_change_nothing(accept: bool) -> None:
    assert lifecycle.respond(accepted_by("young", "old"), "old", accept=accept) is None


def test_answers_after_a_decline_change_nothing() -> None:
    change = lifecycle.respond(proposed(), "old", accept=False)
    assert change is not None

    assert lifecycle.respond(change.status, "young", accept=True) is None
    assert lifecycle.respond(change.status, "old", accept=False) is None


def test_an_answer_from_someone_else_is_refused() -> None:
    with pytest.raises(NotAParticipant):
        lifecycle.respond(proposed(), "stranger", accept=True)


@pytest.mark.parametrize("status", [proposed(), accepted_by("old")])
def test_an_unanswered_proposal_expires_once_its_time_has_passed(status: Status) -> None:
    assert lifecycle.expire(status, now=status.expires_at - timedelta(seconds=1)) is None

    change = lifecycle.expire(status, now=status.expires_at)

    assert change is not None
    assert change.emits == "cancelled"
    assert change.status.state is PairingState.EXPIRED
    assert change.status.reason_code == "expired"


def test_an_active_pairing_never_expires() -> None:
    assert lifecycle.expire(accepted_by("young", "old"), now=NOW + 10 * TTL) is None


@pytest.mark.parametrize("status", [proposed(), accepted_by("young"), accepted_by("young", "old")])
def test_any_live_pairing_can_be_cancelled_with_a_reason(status: Status) -> None:
    change = lifecycle.cancel(status, "constraint_broken", "same department")

    assert change is not None
    assert change.emits == "cancelled"
    assert change.status.state is PairingState.CANCELLED
    assert (change.status.reason_code, change.status.reason) == (
        "constraint_broken",
        "same department",
    )
    assert change.status.sequence == status.sequence + 1


def test_a_terminal_pairing_is_not_cancelled_again() -> None:
    cancelled = lifecycle.cancel(proposed(), "profile_deleted", "gone")
    assert cancelled is not None

    assert lifecycle.cancel(cancelled.status, "constraint_broken", "again") is None


@pytest.mark.parametrize("person", ["young", "old"])
def test_a_participant_ends_an_active_pairing_and_is_named_in_the_reason(person: str) -> None:
    active = accepted_by("young", "old")

    change = lifecycle.end(active, person)

    assert change is not None
    assert change.emits == "cancelled"
    assert change.status.state is PairingState.ENDED
    assert change.status.reason_code == "ended"
    assert change.status.reason == f"ended by {person}"
    assert change.status.sequence == active.sequence + 1
    assert not change.status.live


def test_ending_a_pairing_that_is_not_active_changes_nothing() -> None:
    ended = lifecycle.end(accepted_by("young", "old"), "young")
    assert ended is not None

    for status in (proposed(), accepted_by("old"), ended.status):
        assert lifecycle.end(status, "old") is None


@pytest.mark.parametrize("status", [proposed(), accepted_by("young", "old")])
def test_an_outsider_cannot_end_a_pairing(status: Status) -> None:
    with pytest.raises(NotAParticipant):
        lifecycle.end(status, "stranger")


@pytest.mark.parametrize(
    ("status", "decision", "state"),
    [
        (proposed(), "accept", PairingState.ACCEPTED),
        (proposed(), "decline", PairingState.DECLINED),
        (accepted_by("young", "old"), "end", PairingState.ENDED),
    ],
)
def test_answer_dispatches_each_decision(
    status: Status, decision: Decision, state: PairingState
) -> None:
    change = lifecycle.answer(status, "old", decision)

    assert change is not None
    assert change.status.state is state


@pytest.mark.parametrize("decision", ["accept", "decline", "end"])
def test_a_decision_that_does_not_fit_the_state_changes_nothing(decision: Decision) -> None:
    status = accepted_by("young", "old") if decision != "end" else proposed()

    assert status.state not in lifecycle.ANSWERABLE[decision]
    assert lifecycle.answer(status, "young", decision) is None


def test_a_declines_reason_is_kept_after_who_declined() -> None:
    change = lifecycle.answer(proposed(), "old", "decline", "no time this quarter")

    assert change is not None
    assert change.status.reason == "declined by old: no time this quarter"
    assert lifecycle.decided(change.status, "old", "decline")
    assert not lifecycle.decided(change.status, "young", "decline")


def test_the_phase_sequence_is_the_proposals_while_answers_are_awaited() -> None:
    one, both = accepted_by("old"), accepted_by("old", "young")

    assert [lifecycle.phase_sequence(s) for s in (proposed(), one)] == [0, 0]
    assert (both.state, lifecycle.phase_sequence(both)) == (PairingState.ACTIVE, both.sequence)


def test_what_a_person_decided_is_what_the_pairing_records() -> None:
    one = accepted_by("old")
    ended = lifecycle.end(accepted_by("old", "young"), "young")

    assert ended is not None
    assert lifecycle.decided(one, "old", "accept") and not lifecycle.decided(one, "young", "accept")
    assert lifecycle.decided(ended.status, "young", "end")
    assert not lifecycle.decided(ended.status, "old", "end")


def test_asking_for_a_new_partner_ends_an_active_pairing_as_a_rematch() -> None:
    change = lifecycle.answer(accepted_by("young", "old"), "old", "rematch")

    assert change is not None and change.emits == "cancelled"
    assert change.status.state is PairingState.ENDED
    assert (change.status.reason_code, change.status.reason) == (
        "rematch_requested",
        "rematch requested by old",
    )
    assert lifecycle.decided(change.status, "old", "rematch")
    assert not lifecycle.decided(change.status, "old", "end")


def test_a_rematch_of_a_pairing_that_is_not_active_changes_nothing() -> None:
    assert lifecycle.answer(proposed(), "old", "rematch") is None


@pytest.mark.parametrize(
    ("status", "state"),
    [
        (proposed(), PairingState.CANCELLED),
        (accepted_by("old"), PairingState.CANCELLED),
        (accepted_by("young", "old"), PairingState.ENDED),
    ],
)
def test_the_program_end_ends_every_live_pairing(status: Status, state: PairingState) -> None:
    change = lifecycle.program_end(status)

    assert change is not None and change.emits == "cancelled"
    assert (change.status.state, change.status.reason_code) == (state, "program_ended")
    assert lifecycle.program_end(change.status) is None
