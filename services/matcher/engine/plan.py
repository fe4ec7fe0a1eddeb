"""A round's plan, read from one `SolveInput` without changing any state: the optimal new pairs
explained (`plan`), a stored plan checked again and explained (`replan`, for a round resumed
after a restart), and who is left unpaired and why (`left_out`, for the preview).

The same people, policy and history give the same plan (`general` is deterministic), so a
preview taken just before a round shows the pairs the round proposes.
"""

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from services.matcher.core.features import Person
from services.matcher.core.policy import Policy
from services.matcher.core.scoring import ScoredPair, explained, pair_violation, share
from services.matcher.engine.candidates import feasible
from services.matcher.engine.general import solve_general
from services.matcher.engine.rounds import SolveStats
from services.matcher.engine.solve_input import SolveInput

HINT_OTHERS = 500
"""At most this many others are asked why they cannot meet a person without any partner."""


@dataclass(frozen=True)
class LeftOut:
    person_id: str
    reason: str


def plan(problem: SolveInput, stats: SolveStats) -> list[ScoredPair]:
    """The optimal new pairs for the free capacity, explained, best first."""
    return explain_rows(problem.pool.people, problem.policy, solve_general(problem, stats))


def explain_rows(
    people: Sequence[Person | None], policy: Policy, rows: Iterable[tuple[int, int, int]]
) -> list[ScoredPair]:
    """(younger row, older row, common minutes) as explained pairs, best first (ties by ids)."""
    out = []
    for y, o, minutes in rows:
        py, po = people[y], people[o]
        if py is not None and po is not None:
            out.append(explained(py, po, policy, minutes=minutes))
    out.sort(key=lambda p: (-p.score, p.younger_id, p.older_id))
    return out


def replan(problem: SolveInput, pairs: Iterable[tuple[str, str]]) -> list[ScoredPair]:
    """The planned pairs (younger id, older id) that still hold now, explained: both still in
    the pool with free capacity, not paired or blocked already, every constraint met."""
    free, out = problem.free.copy(), []
    for younger, older in pairs:
        a, b = _person(problem, younger), _person(problem, older)
        if a is None or b is None or frozenset((younger, older)) in problem.locked:
            continue
        ra, rb = problem.pool.row_of[younger], problem.pool.row_of[older]
        if free[ra] < 1 or free[rb] < 1 or _violation(problem, a, b) is not None:
            continue
        free[ra] -= 1
        free[rb] -= 1
        out.append(explained(a, b, problem.policy))
    return out


def left_out(problem: SolveInput, planned: Iterable[ScoredPair]) -> list[LeftOut]:
    """Everyone in the pool with no live pairing and none in the plan, with why, by id."""
    pool, paired = problem.pool, {p for pair in planned for p in (pair.younger_id, pair.older_id)}
    rows = [
        r
        for person_id, r in sorted(pool.row_of.items())
        if pool.active[r] and pool.held[r] == 0 and person_id not in paired
    ]
    if not rows:
        return []
    everyone = np.flatnonzero(pool.active[: pool.used])
    edges = feasible(
        pool,
        np.array(rows, np.int64),
        everyone,
        problem.policy,
        forbidden=problem.forbidden_keys(),
        chains=problem.chains(),
        either_way=True,
    )
    partners: dict[int, set[int]] = {r: set() for r in rows}
    for y, o in zip(edges.young.tolist(), edges.old.tolist(), strict=True):
        for me, other in ((y, o), (o, y)):
            if me in partners:
                partners[me].add(other)
    return [LeftOut(_id(problem, r), _reason(problem, r, partners[r])) for r in rows]


def _reason(problem: SolveInput, row: int, partners: set[int]) -> str:
    if not partners:
        return f"no feasible partner: {_hint(problem, row)}"
    open_ = [p for p in partners if problem.free[p] > 0]
    if not open_:
        return f"capacity: all {len(partners)} feasible partners are already paired up to capacity"
    return (
        f"capacity: the {len(open_)} feasible partners with room are paired with others in this "
        "round, which scores more in total"
    )


def _hint(problem: SolveInput, row: int) -> str:
    """The most common reason the others cannot meet this person (a sample of them, by id)."""
    me = problem.pool.people[row]
    assert me is not None
    others = [_person(problem, p) for p in sorted(problem.pool.row_of) if p != me.id]
    found = [p for p in others if p is not None][:HINT_OTHERS]
    reasons = Counter(
        _violation(problem, me, other) or "no skill wanted both ways" for other in found
    )
    if not reasons:
        return "nobody else is in the program"
    reason, count = min(reasons.items(), key=lambda item: (-item[1], item[0]))
    return f"{reason} (with {count} of {len(found)} others)"


def _violation(problem: SolveInput, a: Person, b: Person) -> str | None:
    found = pair_violation(
        a, b, problem.policy, manager_of=problem.management.manager_of, blocked=problem.blocked
    )
    if found is None and problem.policy.require_two_way and not (share(a, b) and share(b, a)):
        return "no skill wanted both ways"
    return found


def _person(problem: SolveInput, person_id: str) -> Person | None:
    row = problem.pool.row_of.get(person_id)
    if row is None or not problem.pool.active[row]:
        return None
    return problem.pool.people[row]


def _id(problem: SolveInput, row: int) -> str:
    person = problem.pool.people[row]
    assert person is not None
    return person.id
