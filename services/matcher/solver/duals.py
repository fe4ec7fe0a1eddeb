"""Linear-programming duality for b-matching: any non-negative price per right node gives an
upper bound on the optimum, and tells which left-out edges could still improve a solution.

For prices p, the best the left side can do is: each left node i takes its `cap[i]` best net
values (weight - p_j, or nothing when negative). The sum of those plus sum(cap_j * p_j) bounds
every matching's total; its c-th best net value is i's marginal value u_i, and an edge whose
weight exceeds u_i + p_j would improve the solution those prices came from.
"""

from dataclasses import dataclass

import numpy as np

from services.matcher.solver.arrays import Floats, Ints, rank_within


@dataclass(frozen=True)
class Bound:
    value: float
    margin: Floats
    """Per left node: the value of its last unit of capacity at these prices (u_i)."""


def dual_bound(
    left: Ints, right: Ints, weight: Floats, *, left_cap: Ints, right_cap: Ints, price: Floats
) -> Bound:
    net = np.maximum(weight - price[right], 0.0)
    margin = np.zeros(len(left_cap))
    single = left_cap[left] == 1  # most people: their one best net value, without sorting
    np.maximum.at(margin, left[single], net[single])
    value = float((right_cap * price).sum() + margin[left_cap == 1].sum())
    many = np.flatnonzero(~single)
    order = many[np.lexsort((-net[many], left[many]))]  # exact: the bound must hold
    group = left[order]
    rank = rank_within(group)
    value += float(net[order][rank < left_cap[group]].sum())
    last = rank == left_cap[group] - 1
    margin[group[last]] = net[order][last]
    return Bound(value, margin)
