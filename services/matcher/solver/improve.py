"""An improvement phase for a b-matching of a general graph that is too large to solve exactly
at once: re-solves of small neighbourhoods where the matching could be better.

An edge left out improves the matching when its weight exceeds what its two ends would give up
for it (nothing where a node has spare capacity, else its weakest chosen edge). Such edges, and
those within `reach` of improving, mark where augmenting paths and swaps start. Their ends, and
the partners those ends hold, form a neighbourhood; everything outside it stays fixed and uses
its capacity, and the neighbourhood is matched again by its LP relaxation (`exact`, rounded
where it takes halves rather than settled by an integer program: this phase is a heuristic),
which finds every augmenting path and swap inside it at once. The new matching of a
neighbourhood is kept only when it is better than the old one, so the matching never gets
worse. A last greedy pass leaves no edge whose two ends both have spare capacity.
"""

import numpy as np

from services.matcher.solver.arrays import Bools, Floats, Ints
from services.matcher.solver.exact import exact_b_matching
from services.matcher.solver.solver import greedy

PASSES = 8
NEIGHBOURHOOD = 4000
"""At most this many nodes start a neighbourhood (their partners join them), so each re-solve
stays within a few seconds even in programs of 100,000 people."""


def improved(u: Ints, v: Ints, weight: Floats, *, cap: Ints, chosen: Bools, reach: float) -> Bools:
    """A matching at least as good as `chosen` (a feasible b-matching of these edges)."""
    chosen = chosen.copy()
    for _ in range(PASSES):
        inside = _neighbourhood(u, v, weight, cap, chosen, reach)
        if inside is None:
            break
        edges = np.flatnonzero(inside)
        outside = chosen & ~inside
        spare = cap - _degree(u[outside], v[outside], len(cap))
        found = exact_b_matching(u[edges], v[edges], weight[edges], cap=spare, settle=False)
        if found.total <= float(weight[edges][chosen[edges]].sum()) + 1e-9:
            break
        chosen[edges] = found.chosen
    return filled(u, v, weight, cap=cap, chosen=chosen)


def filled(u: Ints, v: Ints, weight: Floats, *, cap: Ints, chosen: Bools) -> Bools:
    """`chosen` plus the best edges, first come, whose two ends both still have capacity."""
    spare = cap - _degree(u[chosen], v[chosen], len(cap))
    rest = np.flatnonzero(~chosen & (spare[u] > 0) & (spare[v] > 0))  # the only ones it could take
    out = chosen.copy()
    out[rest[greedy(u[rest], v[rest], weight[rest], left_cap=spare, right_cap=spare)]] = True
    return out


def given_up(u: Ints, v: Ints, weight: Floats, cap: Ints, chosen: Bools) -> Floats:
    """Per node, what one more edge would cost it: 0 with spare capacity, else the weight of
    its weakest chosen edge."""
    n = len(cap)
    weakest = np.full(n, np.inf)
    np.minimum.at(weakest, u[chosen], weight[chosen])
    np.minimum.at(weakest, v[chosen], weight[chosen])
    return np.where(_degree(u[chosen], v[chosen], n) < cap, 0.0, weakest)


def _neighbourhood(
    u: Ints, v: Ints, weight: Floats, cap: Ints, chosen: Bools, reach: float
) -> Bools | None:
    """The edges with both ends in the next neighbourhood, or None when no edge improves."""
    cost = given_up(u, v, weight, cap, chosen)
    gain = weight - cost[u] - cost[v]
    if not bool((gain[~chosen] > 1e-9).any()):
        return None
    near = np.flatnonzero(~chosen & (gain > -reach))
    near = near[np.argsort(-gain[near], kind="stable")]
    ends = np.column_stack([u[near], v[near]]).ravel()
    _, first = np.unique(ends, return_index=True)
    starting = ends[np.sort(first)][:NEIGHBOURHOOD]  # the best edges' ends, in order
    member = np.zeros(len(cap), bool)
    member[starting] = True
    held = chosen & (member[u] | member[v])
    member[u[held]] = True
    member[v[held]] = True
    return np.asarray(member[u] & member[v], np.bool_)


def _degree(a: Ints, b: Ints, n: int) -> Ints:
    return np.bincount(a, minlength=n) + np.bincount(b, minlength=n)
