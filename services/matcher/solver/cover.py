"""The bipartite double cover of a general b-matching problem: its assignment, its bound, and
how to round it.

Every node appears on both sides, with its full capacity on each, and every edge twice (u to v
and v to u). A matching of the cover, halved, is a fractional matching of the original graph,
and every matching of the original graph, counted both ways, is one of the cover; so the
cover's optimum is twice the LP relaxation's, an upper bound on the general optimum that the
auction (`auction`) reaches at its speed. As for a bipartite split, the auction runs on every
node's best `k` edges and prices the rest in while they could add more than a small fraction
(column generation); the copies are made only of those candidates, and the pricing and the
bound read the original edges both ways, so a large graph is never doubled in memory.

An edge the cover took both ways is kept; those it took one way only (halves, around odd cycles
or between equally good alternatives) are then taken best first while both ends have capacity.
"""

from dataclasses import dataclass

import numpy as np

from services.matcher.solver.arrays import Bools, Floats, Ints, rank_within, ranked
from services.matcher.solver.improve import filled
from services.matcher.solver.solver import Solution, assign

PRICING_GAP = 5e-4
"""Price edges in while those left out could add more than this fraction (by the prices)."""
PRICING_PASSES = 2


@dataclass(frozen=True)
class Relaxed:
    taken: Ints
    """The edge of every copy the cover chose (an edge appears twice when taken both ways)."""
    bound: float
    """An upper bound on the general optimum: half the cover's dual bound at its prices."""


def cover_assignment(u: Ints, v: Ints, weight: Floats, *, cap: Ints, k: int, eps: float) -> Relaxed:
    """The cover's assignment over candidates (see the module); `eps` as in `assign`."""
    copies, left, right = (np.zeros(0, np.int64) for _ in range(3))
    keep = best_edges(u, v, weight, k)
    new, solution = np.flatnonzero(keep), None
    for _ in range(PRICING_PASSES + 1):
        copies = np.concatenate([copies, new, new])  # earlier copies stay first: a warm start
        left = np.concatenate([left, u[new], v[new]])
        right = np.concatenate([right, v[new], u[new]])
        w = weight[copies]
        solution = assign(
            left, right, w, left_cap=cap, right_cap=cap, exact=False, eps=eps, warm=solution
        )
        if solution.price is None:  # nothing worth pairing
            return Relaxed(copies[:0], 0.0)
        new = _priced(u, v, weight, cap, keep, solution, k)
        if len(new) == 0:
            break
        keep[new] = True
    assert solution is not None and solution.price is not None
    bound = cover_bound(u, v, weight, cap=cap, price=solution.price)
    return Relaxed(copies[solution.chosen], max(bound, solution.total) / 2)


def best_edges(u: Ints, v: Ints, value: Floats, k: int) -> Bools:
    """The edges among the `k` of highest value at either end (ties by position)."""
    keep = np.zeros(len(value), bool)
    for end in (u, v):
        order, rank = ranked(end, value)
        keep[order[rank < k]] = True
    return keep


def cover_bound(u: Ints, v: Ints, weight: Floats, *, cap: Ints, price: Floats) -> float:
    """The cover's LP dual bound at these prices (see `duals`), read from the edges both ways:
    each node takes its `cap` best values of weight minus the other end's price."""
    mine = np.maximum(weight - price[v], 0.0)  # u's value of the copy u -> v
    theirs = np.maximum(weight - price[u], 0.0)  # v's value of the copy v -> u
    single = cap == 1
    top = np.zeros(len(cap))
    np.maximum.at(top, u, mine)
    np.maximum.at(top, v, theirs)
    value = float((cap * price).sum() + top[single].sum())
    at_u, at_v = ~single[u], ~single[v]
    node = np.concatenate([u[at_u], v[at_v]])
    net = np.concatenate([mine[at_u], theirs[at_v]])
    order = np.lexsort((-net, node))
    group = node[order]
    return value + float(net[order][rank_within(group) < cap[group]].sum())


def rounded(u: Ints, v: Ints, weight: Floats, *, cap: Ints, taken: Ints) -> Bools:
    """A b-matching of the original edges from the copies the cover took."""
    times = np.bincount(taken, minlength=len(weight))
    halves = np.where(times == 1, weight, 0.0)
    kept = filled(u, v, halves, cap=cap, chosen=times >= 2)  # zero weights are never taken
    return np.asarray(kept, np.bool_)


def doubled(u: Ints, v: Ints, weight: Floats) -> tuple[Ints, Ints, Floats]:
    """(left, right, weight) of the whole cover: the edges as given, then each reversed."""
    return np.concatenate([u, v]), np.concatenate([v, u]), np.concatenate([weight, weight])


def _priced(
    u: Ints, v: Ints, weight: Floats, cap: Ints, keep: Bools, solution: Solution, k: int
) -> Ints:
    """The best left-out edges to add, or none when what they could add is small: an edge
    could improve the solution by its weight over its left end's margin and its right end's
    price, either way round."""
    assert solution.margin is not None and solution.price is not None
    margin, price = solution.margin, solution.price
    forward = weight - margin[u] - price[v]
    backward = weight - margin[v] - price[u]
    gain = np.where(keep, 0.0, np.maximum(forward, backward))
    better = np.flatnonzero(gain > 0)
    most = np.zeros(len(cap))
    np.maximum.at(most, u[better], forward[better])
    np.maximum.at(most, v[better], backward[better])
    if most.sum() <= PRICING_GAP * solution.total:
        return better[:0]
    return better[best_edges(u[better], v[better], gain[better], max(1, k // 5))]
