"""Two-way pair scoring, the hard constraints, and the explanation every pairing carries.

A pair scores high only when each person teaches the other something the other wants: the two
directions are fused with a harmonic mean, so a one-sided pair scores low (and, with
`Policy.require_two_way`, is not proposed at all).
"""

from collections.abc import Mapping, Set
from dataclasses import dataclass

from services.matcher.core.explanation import explain
from services.matcher.core.features import Person
from services.matcher.core.policy import Policy
from shared.availability import overlap_minutes
from shared.events import Explanation


@dataclass(frozen=True)
class ScoredPair:
    """A pair to propose, younger and older by birth year, with its score and why."""

    younger_id: str
    older_id: str
    score: float
    explanation: Explanation


@dataclass(frozen=True)
class Terms:
    """The score's terms for one pair, each in [0, 1], and the facts behind them."""

    complementarity: float
    overlap: float
    gap: float
    common_minutes: int
    birth_year_gap: int


def share(teacher: Person, learner: Person) -> float:
    """The fraction of what `learner` wants that `teacher` offers."""
    if not learner.wants:
        return 0.0
    return len(teacher.offers.keys() & learner.wants.keys()) / len(learner.wants)


def fuse(forward: float, backward: float) -> float:
    """Harmonic mean: high only when both directions are high."""
    total = forward + backward
    return 2 * forward * backward / total if total > 0 else 0.0


def terms(younger: Person, older: Person, policy: Policy, *, minutes: int | None = None) -> Terms:
    """The terms; `minutes` in common may be given when already known."""
    if minutes is None:
        minutes = overlap_minutes(younger.windows, older.windows, at_least=policy.meeting_minutes)
    gap = abs(younger.birth_year - older.birth_year)
    return Terms(
        complementarity=fuse(share(younger, older), share(older, younger)),
        overlap=min(1.0, minutes / 60 / policy.full_overlap_hours),
        gap=min(1.0, gap / policy.full_gap_years),
        common_minutes=minutes,
        birth_year_gap=gap,
    )


def weighted(t: Terms, policy: Policy) -> dict[str, float]:
    """Each term's contribution to the score."""
    return {
        "complementarity": policy.weight_complementarity * t.complementarity,
        "overlap": policy.weight_overlap * t.overlap,
        "generation_gap": policy.weight_gap * t.gap,
    }


def reports_to(person: Person, boss_id: str, manager_of: Mapping[str, str | None]) -> bool:
    """True when `boss_id` is somewhere up `person`'s management chain (cycles are walked once)."""
    seen, current = {person.id}, person.manager_id
    while current is not None and current not in seen:
        if current == boss_id:
            return True
        seen.add(current)
        current = manager_of.get(current)
    return False


def person_violation(a: Person, b: Person, policy: Policy) -> str | None:
    """The first hard constraint that fails using the two people alone, else None."""
    if a.id == b.id:
        return "the same person"
    if a.program_id != b.program_id:
        return "not in the same program"
    for person in (a, b):
        if not person.opted_in:
            return f"{person.id} opted out"
    if not a.languages & b.languages:
        return "no shared language"
    gap = abs(a.birth_year - b.birth_year)
    if gap < policy.min_birth_year_gap:
        return f"birth years only {gap} apart (at least {policy.min_birth_year_gap} needed)"
    if a.department is not None and a.department == b.department:
        return f"same department ({a.department_label})"
    minutes = overlap_minutes(a.windows, b.windows, at_least=policy.meeting_minutes)
    if minutes < policy.min_common_minutes:
        return _too_little_time(overlap_minutes(a.windows, b.windows), minutes, policy)
    return None


def _too_little_time(total: int, meetable: int, policy: Policy) -> str:
    needed = f"at least {policy.min_common_hours:g} needed"
    if meetable == total:
        return f"only {total / 60:.1f} hours a week of common availability ({needed})"
    return (
        f"only {total / 60:.1f} hours a week of common availability, {meetable / 60:.1f} of them "
        f"in stretches of {policy.meeting_minutes} minutes or more ({needed})"
    )


def pair_violation(
    a: Person,
    b: Person,
    policy: Policy,
    *,
    manager_of: Mapping[str, str | None],
    blocked: Set[frozenset[str]],
) -> str | None:
    if reports_to(a, b.id, manager_of) or reports_to(b, a.id, manager_of):
        return "in each other's management line"
    if frozenset((a.id, b.id)) in blocked:
        return "declined, cancelled or ended before"
    return person_violation(a, b, policy)


def explained(
    younger: Person,
    older: Person,
    policy: Policy,
    t: Terms | None = None,
    *,
    minutes: int | None = None,
) -> ScoredPair:
    """The pair scored and explained, its constraints already known to hold."""
    t = t or terms(younger, older, policy, minutes=minutes)
    contributions = weighted(t, policy)
    score = sum(contributions.values())
    explanation = explain(
        younger,
        older,
        common_minutes=t.common_minutes,
        birth_year_gap=t.birth_year_gap,
        contributions=contributions,
        score=score,
    )
    return ScoredPair(younger.id, older.id, score, explanation)
