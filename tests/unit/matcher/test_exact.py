"""The general b-matching (no sides: any two nodes may pair) is exact, and the large-problem path
(double cover, rounding, improvement) stays feasible and never loses what it started from:
checked against brute force on small random graphs, odd cycles included."""

from itertools import combinations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from services.matcher.solver.cover import doubled, rounded
from services.matcher.solver.exact import exact_b_matching
from services.matcher.solver.improve import filled, improved
from services.matcher.solver.solver import assign

Graph = tuple[list[int], list[tuple[int, int, float]]]


@st.composite
def graphs(draw: st.DrawFn, max_nodes: int = 6, max_cap: int = 2) -> Graph:
    n = draw(st.integers(2, max_nodes))
    pairs = list(combinations(range(n), 2))
    chosen = draw(st.lists(st.sampled_from(pairs), unique=True, max_size=10))
    weights = draw(st.lists(st.integers(1, 100), min_size=len(chosen), max_size=len(chosen)))
    cap = draw(st.lists(st.integers(0, max_cap), min_size=n, max_size=n))
    return cap, [(i, j, w / 100) for (i, j), w in zip(chosen, weights, strict=True)]


def brute_force(graph: Graph) -> float:
    cap, edges = graph
    best = 0.0
    for size in range(len(edges) + 1):
        for subset in combinations(edges, size):
            ends = [e[0] for e in subset] + [e[1] for e in subset]
            if all(ends.count(i) <= c for i, c in enumerate(cap)):
                best = max(best, sum(e[2] for e in subset))
    return best


def arrays(graph: Graph) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    cap, edges = graph
    u = np.array([e[0] for e in edges], np.int64)
    v = np.array([e[1] for e in edges], np.int64)
    return u, v, np.array([e[2] for e in edges], np.float64), np.array(cap, np.int64)


def feasible(u: np.ndarray, v: np.ndarray, cap: np.ndarray, chosen: np.ndarray) -> bool:
    degree = np.bincount(u[chosen], minlength=len(cap)) + np.bincount(v[chosen], minlength=len(cap))
    return bool((degree <= cap).all())


@settings(max_examples=300, deadline=None)
@given(graphs())
def test_the_general_solver_finds_the_optimal_b_matching(graph: Graph) -> None:
    u, v, w, cap = arrays(graph)

    found = exact_b_matching(u, v, w, cap=cap)

    assert feasible(u, v, cap, found.chosen)
    assert abs(found.total - brute_force(graph)) < 1e-9
    assert found.relaxed >= found.total - 1e-9


def test_an_odd_cycle_whose_relaxation_takes_halves_is_still_solved_exactly() -> None:
    # Two triangles joined by one edge: the LP takes every triangle edge at one half (1.5 each),
    # while a matching can take one edge per triangle plus nothing else that touches them.
    u = np.array([0, 1, 0, 3, 4, 3, 2], np.int64)
    v = np.array([1, 2, 2, 4, 5, 5, 5], np.int64)
    w = np.array([1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.2], np.float64)
    cap = np.ones(6, np.int64)

    found = exact_b_matching(u, v, w, cap=cap)

    assert found.relaxed > found.total
    assert found.total == brute_force(
        ([1] * 6, list(zip(u.tolist(), v.tolist(), w.tolist(), strict=True)))
    )
    assert feasible(u, v, cap, found.chosen)


def test_a_bipartite_split_loses_where_the_general_solver_does_not() -> None:
    # Nodes 0, 1 on one side and 2, 3 on the other: the best pairs are within the sides.
    u, v = np.array([0, 2, 0, 1], np.int64), np.array([1, 3, 2, 3], np.int64)
    w, cap = np.array([0.9, 0.9, 0.5, 0.5]), np.ones(4, np.int64)
    across = np.array([2, 3])

    split = assign(u[across], v[across], w[across], left_cap=cap, right_cap=cap, exact=True)
    general = exact_b_matching(u, v, w, cap=cap)

    assert split.total == 1.0
    assert general.total == 1.8


@settings(max_examples=200, deadline=None)
@given(graphs(max_nodes=7, max_cap=3))
def test_improvement_never_loses_and_stays_within_capacity(graph: Graph) -> None:
    u, v, w, cap = arrays(graph)
    start = filled(u, v, w[::-1].copy(), cap=cap, chosen=np.zeros(len(w), bool))  # a poor start

    better = improved(u, v, w, cap=cap, chosen=start, reach=0.5)

    assert feasible(u, v, cap, better)
    assert w[better].sum() >= w[start].sum() - 1e-9


@settings(max_examples=200, deadline=None)
@given(graphs(max_nodes=7, max_cap=3))
def test_the_double_cover_rounds_to_a_feasible_matching_below_its_bound(graph: Graph) -> None:
    u, v, w, cap = arrays(graph)
    left, right, weight = doubled(u, v, w)
    cover = assign(left, right, weight, left_cap=cap, right_cap=cap, exact=True)
    taken = np.concatenate([np.arange(len(w)), np.arange(len(w))])[cover.chosen]

    chosen = rounded(u, v, w, cap=cap, taken=taken)

    assert feasible(u, v, cap, chosen)
    optimum = brute_force(graph)
    assert cover.total / 2 >= optimum - 1e-9  # the cover bounds the general optimum
    assert w[chosen].sum() <= optimum + 1e-9
