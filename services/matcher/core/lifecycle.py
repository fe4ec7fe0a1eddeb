"""The pairing lifecycle as a pure state machine.

proposed -> accepted (one side said yes) -> active (both did) -> ended (a participant ended it,
asked for a new partner, or the program ended); declined or expired while awaiting answers;
cancelled at any point while live. Each function takes the current `Status` and
returns the `Change` to store, or None when nothing changes (a repeated or late answer), so
redelivered commands are harmless. A change names the event it emits, if any: the stored change
and its event are written together (see `pairing_store`), which is how each state change yields
exactly one event.
"""

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Literal

from services.matcher.core.errors import NotAParticipant
from shared.commands import Decision
from shared.events import CancelReason


class PairingState(StrEnum):
    PROPOSED = "proposed"
    ACCEPTED = "accepted"
    ACTIVE = "active"
    DECLINED = "declined"
    EXPIRED = "expired"
    CANCELLED = "cancelled"
    ENDED = "ended"


AWAITING = frozenset({PairingState.PROPOSED, PairingState.ACCEPTED})
LIVE = AWAITING | {PairingState.ACTIVE}
# The states in which each decision can still change something (the API refuses the rest).
ANSWERABLE: dict[Decision, frozenset[PairingState]] = {
    "accept": AWAITING,
    "decline": AWAITING,
    "end": frozenset({PairingState.ACTIVE}),
    "rematch": frozenset({PairingState.ACTIVE}),
}
_ENDINGS: dict[Decision, tuple[CancelReason, str]] = {
    "end": ("ended", "ended"),
    "rematch": ("rematch_requested", "rematch requested"),
}

Emits = Literal["proposed", "cancelled", "activated"]


@dataclass(frozen=True)
class Status:
    """Where one pairing stands. `sequence` grows by one with every change."""

    younger_id: str
    older_id: str
    state: PairingState
    expires_at: datetime
    accepted_by: frozenset[str] = frozenset()
    sequence: int = 0
    reason_code: CancelReason | None = None
    reason: str | None = None

    @property
    def live(self) -> bool:
        return self.state in LIVE


@dataclass(frozen=True)
class Change:
    status: Status
    emits: Emits | None


def propose(younger_id: str, older_id: str, *, now: datetime, ttl: timedelta) -> Change:
    status = Status(younger_id, older_id, PairingState.PROPOSED, expires_at=now + ttl)
    return Change(status, "proposed")


def answer(
    status: Status, person_id: str, decision: Decision, reason: str | None = None
) -> Change | None:
    """Apply one participant's decision; one that does not fit the current state changes nothing.
    A decline's reason is kept (the partner reads it in the cancellation)."""
    if decision in _ENDINGS:
        return end(status, person_id, rematch=decision == "rematch")
    return respond(status, person_id, accept=decision == "accept", reason=reason)


def respond(
    status: Status, person_id: str, *, accept: bool, reason: str | None = None
) -> Change | None:
    """Apply one person's answer. Answers to a pairing no longer awaiting answers change nothing."""
    _check_participant(status, person_id)
    if status.state not in AWAITING or (accept and person_id in status.accepted_by):
        return None
    if not accept:
        why = _by("declined", person_id, reason)
        return _terminate(status, PairingState.DECLINED, "declined", why)
    accepted_by = status.accepted_by | {person_id}
    state = PairingState.ACTIVE if len(accepted_by) == 2 else PairingState.ACCEPTED
    changed = replace(status, state=state, accepted_by=accepted_by, sequence=status.sequence + 1)
    return Change(changed, "activated" if state is PairingState.ACTIVE else None)


def expire(status: Status, *, now: datetime) -> Change | None:
    """A proposal nobody finished answering in time ends; an active pairing never expires."""
    if status.state not in AWAITING or now < status.expires_at:
        return None
    return _terminate(status, PairingState.EXPIRED, "expired", "the proposal was not answered")


def cancel(status: Status, code: CancelReason, reason: str) -> Change | None:
    """Cancel a live pairing (a constraint broke, a person left); terminal ones stay as they are."""
    if not status.live:
        return None
    return _terminate(status, PairingState.CANCELLED, code, reason)


def end(status: Status, person_id: str, *, rematch: bool = False) -> Change | None:
    """A participant ends an active pairing that has run its course, or asks for a new partner
    (`rematch`: both are free for the next round, and this pair is blocked like any other
    ended one). Ending one that is not active changes nothing: a proposal is declined."""
    _check_participant(status, person_id)
    if status.state is not PairingState.ACTIVE:
        return None
    code, what = _ENDINGS["rematch" if rematch else "end"]
    return _terminate(status, PairingState.ENDED, code, _by(what, person_id))


def program_end(status: Status) -> Change | None:
    """The program is over: an active pairing ends, one still awaiting answers is cancelled."""
    if not status.live:
        return None
    state = PairingState.ENDED if status.state is PairingState.ACTIVE else PairingState.CANCELLED
    return _terminate(status, state, "program_ended", "the program ended")


def phase_sequence(status: Status) -> int:
    """The sequence at which the pairing entered its current phase: while it awaits answers, the
    proposal's (each acceptance since added one); otherwise its last change's. An email's answer
    links carry the sequence of the event that caused it, so a link from an earlier phase is told
    apart from a current one."""
    if status.state in AWAITING:
        return status.sequence - len(status.accepted_by)
    return status.sequence


def decided(status: Status, person_id: str, decision: Decision) -> bool:
    """Whether `person_id`'s `decision` is what the pairing now records."""
    if decision == "accept":
        return status.state in {PairingState.ACCEPTED, PairingState.ACTIVE} and (
            person_id in status.accepted_by
        )
    terminal = PairingState.DECLINED if decision == "decline" else PairingState.ENDED
    said = _by(_ENDINGS[decision][1] if decision in _ENDINGS else "declined", person_id)
    return status.state is terminal and (
        status.reason == said or (status.reason or "").startswith(f"{said}: ")
    )


def _by(what: str, person_id: str, reason: str | None = None) -> str:
    return f"{what} by {person_id}: {reason}" if reason else f"{what} by {person_id}"


def _check_participant(status: Status, person_id: str) -> None:
    if person_id not in (status.younger_id, status.older_id):
        raise NotAParticipant(person_id)


def _terminate(status: Status, state: PairingState, code: CancelReason, reason: str) -> Change:
    changed = replace(
        status, state=state, reason_code=code, reason=reason, sequence=status.sequence + 1
    )
    return Change(changed, "cancelled")
