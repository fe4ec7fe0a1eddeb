"""The maximum-weight b-matching of a general graph, exactly: every node has a capacity, every
edge is used at most once, and the two ends of an edge are not split into sides.

A person can be the older one in one pair and the younger one in another, so the best pairs of
a program are not a bipartite matching. Its linear relaxation (0 <= x <= 1, degree <= capacity)
is integral on bipartite graphs but may take halves around odd cycles. So the LP is solved first
with HiGHS (dual simplex, which returns a vertex, so the answer depends only on the input and
its order); when it comes out integral it is the optimum. Otherwise its duals bound what any
matching holding a given edge can reach (reduced-cost fixing), and an integer program over the
few edges that could still beat the best rounding of the LP settles it exactly.
"""

from dataclasses import dataclass

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, linprog, milp
from scipy.sparse import csr_matrix

from services.matcher.solver.arrays import Bools, Floats, Ints
from services.matcher.solver.solver import greedy

_TOLERANCE = 1e-7


@dataclass(frozen=True)
class Exact:
    chosen: Bools
    total: float
    relaxed: float
    """The LP optimum: an upper bound on every matching's total (equal when integral)."""


def exact_b_matching(u: Ints, v: Ints, weight: Floats, *, cap: Ints, settle: bool = True) -> Exact:
    """The optimal b-matching of edges (u, v) between nodes 0..len(cap)-1. Edges must be
    distinct and join two different nodes; only positive weights are ever chosen. Ties between
    optimal matchings go the same way for the same input in the same order. Without `settle`,
    a fractional relaxation is only rounded (its whole edges, then the best others that fit):
    not always optimal, but never an integer program."""
    chosen = np.zeros(len(weight), bool)
    useful = np.flatnonzero((weight > 0) & (cap[u] > 0) & (cap[v] > 0))
    if len(useful) == 0:
        return Exact(chosen, 0.0, 0.0)
    a, b, w = u[useful], v[useful], weight[useful]
    incidence = _incidence(a, b, len(cap))
    lp = linprog(-w, A_ub=incidence, b_ub=cap, bounds=(0, 1), method="highs-ds")
    if lp.status != 0:
        raise RuntimeError(f"the b-matching relaxation failed: {lp.message}")
    x, relaxed = np.asarray(lp.x), float(-lp.fun)
    if bool((np.minimum(x, 1 - x) < _TOLERANCE).all()):
        picked = x > 0.5
    elif not settle:
        picked = _rounded(a, b, w, cap, x)
    else:
        slack = -np.asarray(lp.ineqlin.marginals)[a] - np.asarray(lp.ineqlin.marginals)[b]
        slack += -np.asarray(lp.upper.marginals) - w  # y_a + y_b + z_e - w_e >= 0 by duality
        picked = _settled(a, b, w, cap, incidence, x=x, slack=slack, relaxed=relaxed)
    chosen[useful[picked]] = True
    return Exact(chosen, float(weight[chosen].sum()), relaxed)


def _settled(
    a: Ints,
    b: Ints,
    w: Floats,
    cap: Ints,
    incidence: csr_matrix,
    *,
    x: Floats,
    slack: Floats,
    relaxed: float,
) -> Bools:
    """The integer optimum when the relaxation is fractional. Every matching's total is at most
    the dual value minus the reduced costs of its edges, so an edge whose reduced cost exceeds
    the gap between the relaxation and a known matching is in no better one."""
    start = _rounded(a, b, w, cap, x)
    known = float(w[start].sum())
    open_ = np.flatnonzero(slack < relaxed - known + _TOLERANCE)
    result = milp(
        -w[open_],
        constraints=LinearConstraint(incidence[:, open_], -np.inf, cap),
        integrality=np.ones(len(open_)),
        bounds=Bounds(0, 1),
        options={"mip_rel_gap": 0.0},
    )
    if result.status != 0:
        raise RuntimeError(f"the b-matching integer program failed: {result.message}")
    if -result.fun <= known:
        return start
    picked = np.zeros(len(w), bool)
    picked[open_[np.asarray(result.x) > 0.5]] = True
    return picked


def _rounded(a: Ints, b: Ints, w: Floats, cap: Ints, x: Floats) -> Bools:
    """The relaxation's whole edges, then the best others while both ends have capacity."""
    start = x > 1 - _TOLERANCE
    rest = (
        cap - np.bincount(a[start], minlength=len(cap)) - np.bincount(b[start], minlength=len(cap))
    )
    start[~start] = greedy(a[~start], b[~start], w[~start], left_cap=rest, right_cap=rest)
    return start


def _incidence(a: Ints, b: Ints, n: int) -> csr_matrix:
    """Node-by-edge incidence: each edge counts once against each of its two ends."""
    m = len(a)
    edges = np.arange(m)
    return csr_matrix((np.ones(2 * m), (np.r_[a, b], np.r_[edges, edges])), shape=(n, m))
