"""The optimum a full solve is checked against, found without the engine: every two people
checked and scored one pair at a time by the scalar rules (`reference`), then the best
b-matching of those pairs, by brute force when small or by an integer program (HiGHS)."""

from collections.abc import Mapping, Sequence, Set
from datetime import date
from itertools import combinations

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_matrix

from services.matcher.core.policy import Policy
from shared.profile import Profile
from tests.unit.matcher.reference import score_pair, violation

Scored = tuple[str, str, float]


def every_pair(
    people: Sequence[Profile],
    policy: Policy,
    *,
    week: date,
    taken: Set[frozenset[str]] = frozenset(),
) -> list[Scored]:
    """(younger, older, score) of every pair meeting every hard constraint and not `taken`
    (blocked or locked)."""
    manager_of = {p.id: p.manager_id for p in people}
    found = []
    for a, b in combinations(people, 2):
        scored = score_pair(a, b, policy, week_of=week)
        if scored is None or scored.score <= 0:
            continue
        if violation(a, b, policy, manager_of=manager_of, blocked=taken, week_of=week):
            continue
        found.append((scored.younger_id, scored.older_id, scored.score))
    return found


def brute_force(pairs: Sequence[Scored], capacity: Mapping[str, int]) -> float:
    """The best total of pairs within capacity, every subset tried (prunes full people)."""

    def best(at: int, left: dict[str, int]) -> float:
        if at == len(pairs):
            return 0.0
        a, b, score = pairs[at]
        without = best(at + 1, left)
        if left[a] > 0 and left[b] > 0:
            fewer = left | {a: left[a] - 1, b: left[b] - 1}
            return max(without, score + best(at + 1, fewer))
        return without

    return best(0, dict(capacity))


def integer_optimum(pairs: Sequence[Scored], capacity: Mapping[str, int]) -> float:
    """The best total of pairs within capacity, as an integer program (exact to HiGHS's
    tolerances)."""
    if not pairs:
        return 0.0
    index = {person: i for i, person in enumerate(sorted(capacity))}
    ends = [index[p] for a, b, _ in pairs for p in (a, b)]
    edge = np.repeat(np.arange(len(pairs)), 2)
    matrix = coo_matrix((np.ones(len(ends)), (ends, edge)), shape=(len(index), len(pairs)))
    caps = np.array([capacity[p] for p in sorted(capacity)], np.float64)
    result = milp(
        -np.array([s for _, _, s in pairs]),
        constraints=LinearConstraint(matrix.tocsr(), -np.inf, caps),
        integrality=np.ones(len(pairs)),
        bounds=Bounds(0, 1),
        options={"mip_rel_gap": 0.0},
    )
    assert result.status == 0, result.message
    return float(-result.fun)
