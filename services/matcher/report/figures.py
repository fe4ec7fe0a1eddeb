"""The program's people and pairings as figures: enrolment, the pairing funnel, time to accept,
and the generation gap of live pairs. Pure: records in, figures out."""

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from statistics import median

from services.matcher.core.lifecycle import LIVE, PairingState
from services.matcher.report.model import Bar, Enrolment, Pairs, TimeToAccept
from services.matcher.usecases.ports import PairingRecord
from shared.profile import ProfileSnapshot

HOURS_BINS: tuple[tuple[str, float], ...] = (
    ("< 1 h", 1),
    ("1-6 h", 6),
    ("6-24 h", 24),
    ("1-3 days", 72),
    ("3-7 days", 168),
    (">= 7 days", math.inf),
)
"""Time-to-accept buckets: a label and the hours it stays below."""
GAP_BIN_YEARS = 5


def enrolment(people: Sequence[ProfileSnapshot]) -> Enrolment:
    decades = Counter(p.birth_year // 10 * 10 for p in people)
    return Enrolment(
        people=len(people),
        opted_in=sum(p.opted_in for p in people),
        by_decade=[Bar(label=f"{d}s", count=n) for d, n in sorted(decades.items())],
    )


def pairs(pairings: Sequence[PairingRecord]) -> Pairs:
    states = Counter(p.state for p in pairings)
    closed = Counter(p.reason_code for p in pairings if p.reason_code and p.state not in LIVE)
    return Pairs(
        proposed=len(pairings),
        accepted=sum(_was_activated(p) for p in pairings),
        awaiting=states[PairingState.PROPOSED] + states[PairingState.ACCEPTED],
        active=states[PairingState.ACTIVE],
        declined=states[PairingState.DECLINED],
        expired=states[PairingState.EXPIRED],
        ended=states[PairingState.ENDED],
        cancelled=states[PairingState.CANCELLED],
        closed_by_reason=most_first(closed.items()),
    )


def time_to_accept(pairings: Sequence[PairingRecord]) -> TimeToAccept:
    hours = sorted(
        (p.activated_at - p.proposed_at).total_seconds() / 3600
        for p in pairings
        if p.activated_at is not None
    )
    counts = Counter(next(label for label, below in HOURS_BINS if h < below) for h in hours)
    return TimeToAccept(
        pairs=len(hours),
        median_hours=round(median(hours), 2) if hours else None,
        p90_hours=round(nearest_rank(hours, 0.9), 2) if hours else None,
        histogram=[Bar(label=label, count=counts[label]) for label, _ in HOURS_BINS],
    )


def gap_of_live_pairs(pairings: Sequence[PairingRecord]) -> list[Bar]:
    """Birth-year gaps of the live pairings (awaiting or active), in bins of five years."""
    gaps = Counter(
        abs(p.older.birth_year - p.younger.birth_year) // GAP_BIN_YEARS
        for p in pairings
        if p.state in LIVE
    )
    width = GAP_BIN_YEARS
    return [
        Bar(label=f"{b * width}-{b * width + width - 1} years", count=n)
        for b, n in sorted(gaps.items())
    ]


def nearest_rank(ordered: Sequence[float], fraction: float) -> float:
    """The smallest value with at least `fraction` of the values at or below it."""
    return ordered[max(math.ceil(fraction * len(ordered)), 1) - 1]


def _was_activated(p: PairingRecord) -> bool:
    # Pairings stored before activated_at was kept: active or ended means both had accepted.
    return p.activated_at is not None or p.state in {PairingState.ACTIVE, PairingState.ENDED}


def most_first(counts: Iterable[tuple[str, int]]) -> list[Bar]:
    """Bars, most first, ties by label."""
    return [Bar(label=k, count=n) for k, n in sorted(counts, key=_most_first)]


def _most_first(item: tuple[str, int]) -> tuple[int, str]:
    return -item[1], item[0]
