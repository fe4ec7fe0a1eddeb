"""A pairing keeps when it became active and when it closed: the program report's time to accept
and its time line are measured from these, not from `updated_at`, which every change moves."""

from datetime import timedelta

from services.matcher.core import lifecycle
from tests.builders.matcher import NOW, pairing

HOUR = timedelta(hours=1)


def test_activation_and_close_keep_the_time_they_first_happened() -> None:
    record = pairing("pr-times")
    first = lifecycle.respond(record.status, "young", accept=True)
    assert first is not None
    one = record.with_status(first.status, now=NOW + HOUR)
    both = lifecycle.respond(one.status, "old", accept=True)
    assert both is not None
    active = one.with_status(both.status, now=NOW + 5 * HOUR)
    ended = lifecycle.end(active.status, "old")
    assert ended is not None
    closed = active.with_status(ended.status, now=NOW + 50 * HOUR)

    assert (one.activated_at, one.closed_at) == (None, None)
    assert (active.activated_at, active.closed_at) == (NOW + 5 * HOUR, None)
    assert (closed.activated_at, closed.closed_at) == (NOW + 5 * HOUR, NOW + 50 * HOUR)
    assert closed.updated_at == NOW + 50 * HOUR


def test_a_declined_proposal_closes_without_being_activated() -> None:
    record = pairing("pr-declined")
    declined = lifecycle.respond(record.status, "old", accept=False, reason="too busy")
    assert declined is not None

    closed = record.with_status(declined.status, now=NOW + 2 * HOUR)

    assert (closed.activated_at, closed.closed_at) == (None, NOW + 2 * HOUR)
