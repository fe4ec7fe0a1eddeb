"""A full solve over every feasible pair, whatever the ages: the optimal b-matching of the free
capacity, existing pairs locked (they hold their capacity and are never proposed again).

A person born in 1980 can be the older one in one pair and the younger one in another, so the
younger-against-older split (`rounds`) can miss the best pairs; this solve has no sides. Up to
`EXACT_PEOPLE` people and `EXACT_PAIRS` pairs it is exact (`solver.exact`). Above, the split's
auction runs on the double cover (`solver.cover`: everyone on both sides, so it solves the LP
relaxation of the general problem, with candidates and pricing as for the split); its result
is rounded, then improved by re-solving the neighbourhoods where a better matching may be
(`solver.improve`).

Deterministic: people are numbered by email, then id (`Pool.ranks`), not by pool row (rows
follow arrival order), and pairs are listed by those numbers, so every tie inside the solvers
breaks the same way for the same people, policy and history. Emails are unique within a program
and stay the same when a cohort is enrolled again under new ids (the profiles API gives new
ones), so the same cohort gets the same pairs.
"""

import time
from dataclasses import dataclass

import numpy as np

from services.matcher.engine.candidates import Edges, feasible
from services.matcher.engine.rounds import Round, SolveStats
from services.matcher.engine.solve_input import SolveInput
from services.matcher.solver.arrays import Bools, Floats, Ints
from services.matcher.solver.cover import cover_assignment, rounded
from services.matcher.solver.exact import exact_b_matching
from services.matcher.solver.improve import improved

EXACT_PEOPLE = 5000
EXACT_PAIRS = 200_000
"""Up to this many people with free capacity and feasible pairs, the solve is exact: about a
second on 5,000 people of the benchmark (41,000 pairs), a few on 200,000 pairs."""
COVER_EPS = 1e-3
"""The auction's tolerance on the double cover, per slot, as a fraction of the best score (see
`solver.assign`): 3e-3 as for the split was no faster and lost more."""
REACH = 0.1
"""Edges within this fraction of the largest score of improving start neighbourhoods."""


@dataclass(frozen=True)
class Graph:
    """Every feasible pair among the people with free capacity, numbered by person id."""

    rows: Ints
    """Pool row of each person, in id order."""
    a: Ints
    b: Ints
    """The two ends of each pair (a < b), pairs sorted by (a, b)."""
    minutes: Ints
    score: Floats
    cap: Ints


def solve_general(
    problem: SolveInput, stats: SolveStats, *, exact_up_to: int = EXACT_PEOPLE
) -> list[tuple[int, int, int]]:
    """(younger row, older row, common minutes) of the new pairs for the free capacity."""
    started = time.perf_counter()
    graph = feasible_graph(problem)
    generated = time.perf_counter()
    if len(graph.rows) <= exact_up_to and len(graph.score) <= EXACT_PAIRS:
        found = exact_b_matching(graph.a, graph.b, graph.score, cap=graph.cap)
        chosen, bound, kind = found.chosen, found.relaxed, "exact"
    else:
        chosen, bound = improved_cover(graph, problem.policy.max_candidates)
        kind = "improved"
    total = float(graph.score[chosen].sum())
    spent = time.perf_counter() - generated
    stats.rounds.append(
        Round(kind, None, int(chosen.sum()), total, max(bound, total), generated - started, spent)
    )
    return _oriented(problem, graph, np.flatnonzero(chosen))


def feasible_graph(problem: SolveInput) -> Graph:
    """Every allowed pair of people with free capacity, scored, in the canonical order."""
    rows = np.flatnonzero(problem.free > 0)
    rows = rows[np.argsort(problem.pool.ranks()[rows])]
    every = _every_pair(problem, rows)
    number = np.full(len(problem.free), -1, np.int64)
    number[rows] = np.arange(len(rows))
    y, o = number[every.young], number[every.old]
    a, b = np.minimum(y, o), np.maximum(y, o)
    order = np.lexsort((b, a))
    return Graph(
        rows, a[order], b[order], every.minutes[order], every.score[order], problem.free[rows]
    )


def _every_pair(problem: SolveInput, rows: Ints) -> Edges:
    """The pairs across the split at the median birth year, each found once, then those within
    each side (found from both ends and deduplicated, which costs twice as much per pair)."""
    birth = problem.pool.birth[rows]
    split = int(np.median(birth)) if len(rows) else 0
    young, old = rows[birth > split], rows[birth <= split]
    forbidden, chains = problem.forbidden_keys(), problem.chains()
    found = [
        feasible(
            problem.pool,
            *sides,
            problem.policy,
            forbidden=forbidden,
            chains=chains,
            either_way=sides[0] is sides[1],
        )
        for sides in ((young, old), (young, young), (old, old))
    ]
    return Edges(
        np.concatenate([e.young for e in found]),
        np.concatenate([e.old for e in found]),
        np.concatenate([e.minutes for e in found]),
        np.concatenate([e.score for e in found]),
    )


def improved_cover(graph: Graph, k: int) -> tuple[Bools, float]:
    """The large-program path: the double cover's assignment, rounded, then improved; with an
    upper bound on the optimum."""
    if len(graph.score) == 0:
        return np.zeros(0, bool), 0.0
    a, b, score, cap = graph.a, graph.b, graph.score, graph.cap
    relaxed = cover_assignment(a, b, score, cap=cap, k=k, eps=COVER_EPS)
    chosen = rounded(a, b, score, cap=cap, taken=relaxed.taken)
    reach = REACH * float(score.max())
    return improved(a, b, score, cap=cap, chosen=chosen, reach=reach), relaxed.bound


def _oriented(problem: SolveInput, graph: Graph, edges: Ints) -> list[tuple[int, int, int]]:
    """The chosen pairs as pool rows, younger first (same birth year: the lower id first)."""
    first, second = graph.rows[graph.a[edges]], graph.rows[graph.b[edges]]
    birth = problem.pool.birth
    swap = birth[second] > birth[first]
    younger, older = np.where(swap, second, first), np.where(swap, first, second)
    minutes = graph.minutes[edges]
    return list(zip(younger.tolist(), older.tolist(), minutes.tolist(), strict=True))
