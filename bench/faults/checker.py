"""Every check over one run's history, in the order the report prints them. Pure."""

from bench.faults import pairing_checks, profile_checks
from bench.faults.history import History
from bench.faults.verdict import Check

CHECKS = (
    profile_checks.canonical_once,
    profile_checks.final_state,
    pairing_checks.capacity,
    pairing_checks.pairing_events,
    pairing_checks.emails,
    pairing_checks.cancels_follow_requests,
    profile_checks.dead_letters,
    profile_checks.zero_lag,
)


def check(history: History) -> list[Check]:
    return [one(history) for one in CHECKS]


def totals(checks: list[Check]) -> dict[str, int]:
    return {
        "lost": sum(len(c.lost) for c in checks),
        "doubled": sum(len(c.doubled) for c in checks),
        "wrong": sum(len(c.wrong) for c in checks),
        "named": sum(len(c.named) for c in checks),
    }
