"""The bipartite double cover of a general b-matching problem, and how to round its solution.

Every node appears on both sides, with its full capacity on each, and every edge twice (u to v
and v to u). A matching of the cover, halved, is a fractional matching of the original graph,
and every matching of the original graph, counted both ways, is one of the cover; so the
cover's optimum is twice the LP relaxation's, an upper bound on the general optimum that the
bipartite solvers (`solver`, `auction`) reach at their speed. An edge the cover took both ways
is kept; those it took one way only (halves, around odd cycles or between equally good
alternatives) are then taken best first while both ends have capacity.
"""

import numpy as np

from services.matcher.solver.arrays import Bools, Floats, Ints
from services.matcher.solver.improve import filled


def doubled(u: Ints, v: Ints, weight: Floats) -> tuple[Ints, Ints, Floats]:
    """(left, right, weight) of the cover: the edges as given, then each reversed."""
    return np.concatenate([u, v]), np.concatenate([v, u]), np.concatenate([weight, weight])


def rounded(u: Ints, v: Ints, weight: Floats, *, cap: Ints, taken: Ints) -> Bools:
    """A b-matching of the original edges from the cover's choice: `taken` lists, per copy the
    cover chose, the original edge it copies (an edge appears twice when taken both ways)."""
    times = np.bincount(taken, minlength=len(weight))
    both = times >= 2
    halves = np.where(times == 1, weight, 0.0)
    kept = filled(u, v, halves, cap=cap, chosen=both)  # zero weights are never taken
    return np.asarray(kept, np.bool_)
