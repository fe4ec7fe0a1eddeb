"""Which pairing events cause which emails: one entry per event type, so a new kind of email
(a reminder, a check-in, a nudge) is one more line here, not a change to the checker.

An entry gives the (state, recipient id) of every email the event causes; the state is the one
the notifier keys its records by (`<pairing>:<state>:<recipient>`). Event types without an entry
cause no expected email; emails of such kinds are still checked through the notifier's own
outcome events (one email per key, unique Message-IDs, none for an unknown pairing).
"""

from collections.abc import Callable

from shared.events import (
    PairingActivated,
    PairingCancelled,
    PairingEvent,
    PairingProposed,
)

Emails = Callable[[PairingEvent], list[tuple[str, str]]]


def _both(state: str) -> Emails:
    def emails(event: PairingEvent) -> list[tuple[str, str]]:
        data = event.data
        people = [getattr(data, "younger", None), getattr(data, "older", None)]
        return [(state, p.id) for p in people if p is not None]

    return emails


def _waiting(state: str) -> Emails:
    def emails(event: PairingEvent) -> list[tuple[str, str]]:
        return [(state, person) for person in getattr(event.data, "waiting_on", [])]

    return emails


def _per_checkin(state: str, *, waiting: bool) -> Emails:
    def emails(event: PairingEvent) -> list[tuple[str, str]]:
        named = f"{state}.{getattr(event.data, 'checkin_id', '')}"
        return (_waiting if waiting else _both)(named)(event)

    return emails


EMAILS: dict[str, Emails] = {
    "pairing.proposed": _both("proposed"),
    "pairing.activated": _both("active"),
    "pairing.cancelled": _both("cancelled"),
    "pairing.reminded": _waiting("reminded"),
    "checkin.opened": _per_checkin("checkin", waiting=False),
    "checkin.nudged": _per_checkin("nudged", waiting=True),
}
"""`checkin.answered` and `pairing.flagged` cause no email. A reminder or nudge to someone who
unsubscribed is recorded by the notifier as failed (skipped), which the checker accepts."""

LIVE_AFTER = {PairingProposed: True, PairingActivated: True, PairingCancelled: False}
"""Which lifecycle events leave a pairing live; the follow-ups change nothing about that."""


def expected_keys(pairing_id: str, events: list[PairingEvent]) -> list[str]:
    """The notification keys the pairing's events call for, in order, each once."""
    keys: list[str] = []
    for event in events:
        rule = EMAILS.get(event.event_type)
        for state, person in rule(event) if rule else []:
            key = f"{pairing_id}:{state}:{person}"
            if key not in keys:
                keys.append(key)
    return keys


def is_live(events: list[PairingEvent]) -> bool:
    live = False
    for event in events:
        live = LIVE_AFTER.get(type(event), live)
    return live


def lifecycle(events: list[PairingEvent]) -> str:
    """`awaiting`, `active` or `closed`, from the last lifecycle event on the topic."""
    state = "none"
    for event in events:
        if isinstance(event, PairingProposed):
            state = "awaiting"
        elif isinstance(event, PairingActivated):
            state = "active"
        elif isinstance(event, PairingCancelled):
            state = "closed"
    return state


STORE_LIFECYCLE = {"proposed": "awaiting", "accepted": "awaiting", "active": "active"}
"""The matcher's stored states by lifecycle; any other stored state is `closed`."""
