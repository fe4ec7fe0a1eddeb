"""A full solve of the free capacity, round by round, with what each round cost and found.

Optimal rounds pair the younger side with the older side (split at the birth year that halves
the free capacity) by candidates and assignment; each round splits what is still free afresh,
so people left on the same side before can meet. Then "any age" rounds pair whoever is still
free, greedily, until no pair is possible: afterwards no two free people can be paired, which
is what lets local repair look only at the people a change touches. Everything read comes from
one `SolveInput`; the capacity spent round by round is a copy of its free capacity.
"""

import time
from dataclasses import dataclass, field

import numpy as np

from services.matcher.engine import vectors
from services.matcher.engine.candidates import Edges, best, feasible
from services.matcher.engine.solve_input import SolveInput
from services.matcher.solver.arrays import Ints
from services.matcher.solver.duals import dual_bound
from services.matcher.solver.solver import assign, greedy

MAX_OPTIMAL_ROUNDS = 8
PRICING_GAP = 5e-4
"""Price pairs in while those left out could add more than this fraction (by the prices)."""
PRICING_PASSES = 2


@dataclass(frozen=True)
class Round:
    kind: str
    """"optimal" (younger against older) or "any age" (greedy, whoever is left)."""
    split: int | None
    pairs: int
    total: float
    bound: float
    """For an optimal round, an upper bound on its optimum over every feasible pair of its
    split (certified by the auction's prices); for a greedy round, its total."""
    candidates_seconds: float
    assign_seconds: float


@dataclass
class SolveStats:
    rounds: list[Round] = field(default_factory=list)
    explain_seconds: float = 0.0

    @property
    def solve_seconds(self) -> float:
        """Candidate generation and assignment, all rounds."""
        return sum(r.candidates_seconds + r.assign_seconds for r in self.rounds)


def solve_free(problem: SolveInput, stats: SolveStats) -> list[tuple[int, int, int]]:
    """(younger row, older row, common minutes) of the new pairs for the free capacity."""
    free = problem.free.copy()
    forbidden = problem.forbidden_keys()
    found: list[Edges] = []
    for number in range(MAX_OPTIMAL_ROUNDS):
        split = balanced_split(problem.pool.birth[: len(free)], free)
        young, old = _sides(free, problem.pool.birth[: len(free)], split)
        picked, forbidden = _round(problem, stats, free, forbidden, (young, old, split))
        found.append(picked)
        if len(picked) <= number:  # little left to gain from another optimal round
            break
    while True:
        everyone = np.flatnonzero(free > 0)
        picked, forbidden = _round(problem, stats, free, forbidden, (everyone, everyone, None))
        found.append(picked)
        if len(picked) == 0:
            return [
                p
                for e in found
                for p in zip(e.young.tolist(), e.old.tolist(), e.minutes.tolist(), strict=True)
            ]


def _round(
    problem: SolveInput,
    stats: SolveStats,
    free: Ints,
    forbidden: Ints,
    sides: tuple[Ints, Ints, int | None],
) -> tuple[Edges, Ints]:
    """One round; takes the chosen pairs' capacity from `free`."""
    young, old, split = sides
    started = time.perf_counter()
    every = feasible(
        problem.pool,
        young,
        old,
        problem.policy,
        forbidden=forbidden,
        chains=problem.chains(),
        either_way=split is None,
    )
    generated = time.perf_counter()
    k = problem.policy.max_candidates
    if split is None:
        edges = every.take(best(every, every.score, k))
        picked = edges.take(
            greedy(edges.young, edges.old, edges.score, left_cap=free, right_cap=free)
        )
        bound = float(picked.score.sum())
    else:
        picked, bound = _optimal(every, free, k)
    np.subtract.at(free, picked.young, 1)
    np.subtract.at(free, picked.old, 1)
    forbidden = np.union1d(forbidden, vectors.pair_key(picked.young, picked.old))
    done = time.perf_counter()
    kind = "any age" if split is None else "optimal"
    total = float(picked.score.sum())
    stats.rounds.append(
        Round(kind, split, len(picked), total, bound, generated - started, done - generated)
    )
    return picked, forbidden


def _optimal(every: Edges, free: Ints, k: int) -> tuple[Edges, float]:
    """The optimal assignment over everyone's best `k` candidates, then priced: the auction's
    prices show which feasible pairs left out could still improve the solution; while what
    they could add is not small, the best of them join the candidates and the auction resumes
    from where it stopped (column generation). Returns the chosen edges and an upper bound on
    the optimum over every feasible pair, certified by the final prices."""
    keep = best(every, every.score, k)
    order = np.flatnonzero(keep)
    solution = None
    for _ in range(PRICING_PASSES + 1):
        edges = every.take(order)
        solution = assign(
            edges.young, edges.old, edges.score, left_cap=free, right_cap=free, warm=solution
        )
        if solution.price is None:  # solved exactly: small, so every pair was a candidate
            return edges.take(solution.chosen), solution.bound
        assert solution.margin is not None
        margin, price = solution.margin, solution.price
        gain = np.where(keep, 0.0, every.score - margin[every.young] - price[every.old])
        better = np.flatnonzero(gain > 0)
        most = np.zeros(len(free))
        np.maximum.at(most, every.young[better], gain[better])
        if most.sum() <= PRICING_GAP * solution.total:
            break  # what the left-out pairs could add is small
        added = better[best(every.take(better), gain[better], max(1, k // 5))]
        keep[added] = True
        order = np.concatenate([order, added])  # the solved edges stay first (warm start)
    assert solution is not None and solution.price is not None
    bound = dual_bound(
        every.young, every.old, every.score, left_cap=free, right_cap=free, price=solution.price
    ).value
    return edges.take(solution.chosen), max(bound, solution.total)  # the edges last solved


def _sides(free: Ints, birth: Ints, split: int) -> tuple[Ints, Ints]:
    rows = np.flatnonzero(free > 0)
    younger = birth[rows] > split
    return rows[younger], rows[~younger]


def balanced_split(birth: Ints, free: Ints) -> int:
    """The birth year that splits the free capacity most evenly into those born after it (the
    younger side) and the others."""
    have = free > 0
    if not have.any():
        return 0
    years, at = np.unique(birth[have], return_inverse=True)
    older = np.cumsum(np.bincount(at, weights=free[have]))
    return int(years[np.argmin(np.abs(older[-1] - 2 * older))])
