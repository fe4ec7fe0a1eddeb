"""Maximum-weight b-matching on a bipartite graph: each node has a capacity (how many pairs a
person may still hold), each edge is used at most once, and the total weight is maximal.

Capacities become unit slots. An edge whose two ends both have several slots goes through a
small gadget (one extra node per side: h on the left, g on the right; slot-g carries the weight,
h-g means "not chosen", h-slot means "chosen"), so one pair can never be chosen twice.

Small problems are solved exactly with `scipy.sparse.csgraph.min_weight_full_bipartite_matching`
after the standard square construction for an optional matching (every slot may take its own
dummy; a mirrored copy of the graph lets the dummies pair up, so a perfect matching exists and
its cost is a constant minus the chosen weight). Large ones go to the auction in `auction`:
exact solvers need tens of seconds on realistic graphs of 10,000 people, the auction well under
one, within a certified bound of the optimum.
"""

from dataclasses import dataclass

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import min_weight_full_bipartite_matching

from services.matcher.solver.arrays import Bools, Floats, Ints
from services.matcher.solver.auction import auction
from services.matcher.solver.graph import SlotGraph

EXACT_SLOTS = 1000
"""Up to this many slots the exact solver is fast on any graph (well under a second)."""


@dataclass(frozen=True)
class Solution:
    chosen: Bools
    """Which edges are in the matching."""
    total: float
    bound: float
    """An upper bound on the optimal total (equal to `total` when solved exactly)."""
    price: Floats | None = None
    """The auction's final price per right node (see `duals`); None when solved exactly."""
    margin: Floats | None = None
    """The auction's marginal value per left node at those prices (see `duals`)."""


def assign(
    left: Ints,
    right: Ints,
    weight: Floats,
    *,
    left_cap: Ints,
    right_cap: Ints,
    exact: bool | None = None,
    eps: float = 3e-3,
    warm: "Solution | None" = None,
) -> Solution:
    """The maximum-weight matching; `exact` forces (True) or forbids (False) the exact solver,
    by default it is used for small problems. Edges must be distinct; only positive weights are
    ever chosen. The auction stops within `eps * max weight` per slot of the optimum. `warm`, a
    solution over a prefix of these edges (the same edges first, more after), restarts the
    auction from it."""
    chosen = np.zeros(len(weight), bool)
    useful = np.flatnonzero(weight > 0)
    if len(useful) == 0:
        return Solution(chosen, 0.0, 0.0)
    lt, rt, w = left[useful], right[useful], weight[useful]
    slots = int(left_cap[_present(lt, len(left_cap))].sum())
    slots += int(right_cap[_present(rt, len(right_cap))].sum())
    if exact if exact is not None else slots <= EXACT_SLOTS:
        chosen[useful[_exact(SlotGraph(lt, rt, w, left_cap, right_cap))]] = True
        total = float(weight[chosen].sum())
        return Solution(chosen, total, total)
    start = None
    if warm is not None and warm.price is not None:
        held = np.zeros(len(weight), bool)
        held[: len(warm.chosen)] = warm.chosen
        start = (warm.price, held[useful])
    outcome = auction(
        lt, rt, w, left_cap=left_cap, right_cap=right_cap, eps=eps * w.max(), warm=start
    )
    chosen[useful[outcome.chosen]] = True
    total = float(weight[chosen].sum())
    return Solution(chosen, total, max(outcome.bound, total), outcome.price, outcome.margin)


def _present(nodes: Ints, n: int) -> Bools:
    seen = np.zeros(n, bool)
    seen[nodes] = True
    return seen


def _exact(graph: SlotGraph) -> Ints:
    rows, cols, costs, size = graph.square()
    matrix = csr_matrix((costs, (rows, cols)), shape=(size, size))
    matched_rows, matched_cols = min_weight_full_bipartite_matching(matrix)
    return graph.chosen(matched_rows, matched_cols)


def greedy(left: Ints, right: Ints, weight: Floats, *, left_cap: Ints, right_cap: Ints) -> Bools:
    """Best edge first, taken while both ends have capacity: the baseline, and enough where
    every edge competes with few others. Pass one array as both capacities when the two ends
    index the same people (a person may then be on either end)."""
    chosen = np.zeros(len(weight), bool)
    lcap = left_cap.copy()
    rcap = lcap if right_cap is left_cap else right_cap.copy()
    for e in np.argsort(-weight, kind="stable").tolist():
        i, j = left[e], right[e]
        if weight[e] > 0 and lcap[i] > 0 and rcap[j] > 0:
            chosen[e] = True
            lcap[i] -= 1
            rcap[j] -= 1
    return chosen
