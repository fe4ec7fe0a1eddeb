"""The assignment is an optimal b-matching: checked against brute force on small instances."""

from itertools import combinations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from services.matcher.solver.auction import auction
from services.matcher.solver.duals import dual_bound
from services.matcher.solver.solver import assign

Problem = tuple[list[int], list[int], list[tuple[int, int, float]]]


@st.composite
def problems(draw: st.DrawFn, max_cap: int) -> Problem:
    n_left, n_right = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    pairs = [(i, j) for i in range(n_left) for j in range(n_right)]
    chosen = draw(st.lists(st.sampled_from(pairs), unique=True, max_size=9))
    weights = draw(st.lists(st.integers(1, 100), min_size=len(chosen), max_size=len(chosen)))
    left_cap = draw(st.lists(st.integers(1, max_cap), min_size=n_left, max_size=n_left))
    right_cap = draw(st.lists(st.integers(1, max_cap), min_size=n_right, max_size=n_right))
    edges = [(i, j, w / 100) for (i, j), w in zip(chosen, weights, strict=True)]
    return left_cap, right_cap, edges


def brute_force(problem: Problem) -> float:
    left_cap, right_cap, edges = problem
    best = 0.0
    for size in range(len(edges) + 1):
        for subset in combinations(edges, size):
            lefts = [e[0] for e in subset]
            rights = [e[1] for e in subset]
            if all(lefts.count(i) <= c for i, c in enumerate(left_cap)) and all(
                rights.count(j) <= c for j, c in enumerate(right_cap)
            ):
                best = max(best, sum(e[2] for e in subset))
    return best


def arrays(problem: Problem) -> dict[str, np.ndarray]:
    left_cap, right_cap, edges = problem
    return {
        "left": np.array([e[0] for e in edges], np.int64),
        "right": np.array([e[1] for e in edges], np.int64),
        "weight": np.array([e[2] for e in edges], np.float64),
        "left_cap": np.array(left_cap, np.int64),
        "right_cap": np.array(right_cap, np.int64),
    }


def respects_capacities(problem: Problem, chosen: np.ndarray) -> bool:
    a = arrays(problem)
    left = np.bincount(a["left"][chosen], minlength=len(a["left_cap"]))
    right = np.bincount(a["right"][chosen], minlength=len(a["right_cap"]))
    return bool((left <= a["left_cap"]).all() and (right <= a["right_cap"]).all())


@settings(max_examples=300, deadline=None)
@given(problems(max_cap=1))
def test_the_exact_solver_finds_the_optimal_matching_with_capacity_one(problem: Problem) -> None:
    solution = assign(**arrays(problem), exact=True)

    assert respects_capacities(problem, solution.chosen)
    assert abs(solution.total - brute_force(problem)) < 1e-9


@settings(max_examples=300, deadline=None)
@given(problems(max_cap=3))
def test_the_exact_solver_finds_the_optimal_b_matching_with_larger_capacities(
    problem: Problem,
) -> None:
    solution = assign(**arrays(problem), exact=True)

    assert respects_capacities(problem, solution.chosen)
    assert abs(solution.total - brute_force(problem)) < 1e-9


@settings(max_examples=300, deadline=None)
@given(problems(max_cap=3))
def test_the_auction_is_within_its_tolerance_and_its_bound_holds(problem: Problem) -> None:
    a = arrays(problem)
    eps = 1e-4
    outcome = auction(
        a["left"],
        a["right"],
        a["weight"],
        left_cap=a["left_cap"],
        right_cap=a["right_cap"],
        eps=eps,
    )
    optimum = brute_force(problem)
    total = float(a["weight"][outcome.chosen].sum())

    assert respects_capacities(problem, outcome.chosen)
    assert outcome.bound >= optimum - 1e-9
    assert total >= optimum - eps * int(a["left_cap"].sum()) - 1e-9


def test_a_pair_is_never_chosen_twice_even_when_both_could_take_more() -> None:
    problem: Problem = ([3], [3], [(0, 0, 1.0)])

    solution = assign(**arrays(problem), exact=True)
    outcome = auction(**arrays(problem), eps=1e-3)

    assert solution.chosen.tolist() == [True]
    assert outcome.chosen.tolist() == [True]


def sparse_problem(
    rng: np.random.Generator, *, n: int, k: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """`n` people a side, about `k` distinct random edges each, weights in (0, 1], capacities 1-3."""
    left = np.repeat(np.arange(n), k)
    right = rng.integers(0, n, n * k)
    keys = np.unique(left * n + right)
    left, right = keys // n, keys % n
    weight = rng.integers(1, 1000, len(keys)) / 1000
    caps = rng.choice([1, 1, 2, 3], n)
    return left, right, weight, caps


def test_the_large_problem_path_is_close_to_the_exact_one() -> None:
    left, right, weight, caps = sparse_problem(np.random.default_rng(7), n=300, k=6)

    exact = assign(left, right, weight, left_cap=caps, right_cap=caps, exact=True)
    fast = assign(left, right, weight, left_cap=caps, right_cap=caps, exact=False, eps=1e-4)

    assert exact.total >= fast.total >= exact.total * 0.999
    assert fast.bound >= exact.total - 1e-9


@settings(max_examples=200, deadline=None)
@given(problems(max_cap=3), st.lists(st.integers(0, 100), min_size=4, max_size=4))
def test_any_non_negative_prices_bound_the_optimum(problem: Problem, cents: list[int]) -> None:
    a = arrays(problem)
    price = np.array(cents[: len(a["right_cap"])], np.float64) / 100
    price = np.resize(price, len(a["right_cap"]))

    bound = dual_bound(
        a["left"],
        a["right"],
        a["weight"],
        left_cap=a["left_cap"],
        right_cap=a["right_cap"],
        price=price,
    )

    assert bound.value >= brute_force(problem) - 1e-9


def test_a_warm_restart_with_more_edges_stays_feasible_and_close_to_the_optimum() -> None:
    rng = np.random.default_rng(11)
    left, right, weight, caps = sparse_problem(rng, n=300, k=8)
    first = rng.random(len(weight)) < 0.5
    order = np.r_[np.flatnonzero(first), np.flatnonzero(~first)]  # the first solve's edges first
    left, right, weight = left[order], right[order], weight[order]
    head = int(first.sum())

    before = assign(
        left[:head], right[:head], weight[:head], left_cap=caps, right_cap=caps, exact=False
    )
    after = assign(left, right, weight, left_cap=caps, right_cap=caps, exact=False, warm=before)
    exact = assign(left, right, weight, left_cap=caps, right_cap=caps, exact=True)

    chosen = after.chosen
    assert (np.bincount(left[chosen], minlength=len(caps)) <= caps).all()
    assert (np.bincount(right[chosen], minlength=len(caps)) <= caps).all()
    assert exact.total >= after.total >= 0.99 * exact.total
    assert after.bound >= exact.total - 1e-9
