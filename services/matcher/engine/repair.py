"""Local repair: the new pairs after a few people changed or were freed.

After a full solve no two free people can be paired, and a change only opens pairs that touch
the people it changed. So each changed person with free capacity is scored against every free
person, its best allowed partners kept, and those edges taken greedily, best first. For a single
change that is optimal (every candidate edge touches the one changed person); when several
changed people compete for the same partners it may not be, and `missed` estimates by how much.
Everything read comes from one `SolveInput`.
"""

from dataclasses import dataclass

import numpy as np

from services.matcher.engine import vectors
from services.matcher.engine.candidates import Edges
from services.matcher.engine.solve_input import SolveInput
from services.matcher.solver.arrays import Ints
from services.matcher.solver.solver import greedy


@dataclass(frozen=True)
class Repair:
    pairs: list[tuple[int, int, int]]
    """(younger row, older row, common minutes) of the new pairs."""
    missed: float
    """What the changed people could have had without competing for the same partners (each
    its own best partners), minus what they got: an upper bound on the loss."""


def neighbourhood(problem: SolveInput, changed: list[str]) -> Repair:
    """Rounds of repair until no changed person with free capacity finds a free partner: each
    keeps only its best `max_candidates` partners, so when many changed people want the same
    few (a burst of similar newcomers), one round leaves some unpaired who could still be."""
    pool = problem.pool
    free = problem.free.copy()
    pairs: list[tuple[int, int, int]] = []
    taken = np.zeros(0, np.int64)
    hoped: float | None = None
    got = 0.0
    while True:
        rows = [pool.row_of[p] for p in sorted(changed) if free[pool.row_of[p]] > 0]
        everyone = np.flatnonzero(free > 0)
        found = [_best_partners(problem, row, everyone, int(free[row])) for row in rows]
        if hoped is None:
            hoped = sum(float(e.score[: free[r]].sum()) for r, e in zip(rows, found, strict=True))
        if not sum(len(e) for e in found):
            break
        edges = _unique(found, pool.ranks())
        edges = edges.take(~np.isin(vectors.pair_key(edges.young, edges.old), taken))
        picked = edges.take(
            greedy(edges.young, edges.old, edges.score, left_cap=free, right_cap=free)
        )
        if not len(picked):
            break
        np.subtract.at(free, picked.young, 1)
        np.subtract.at(free, picked.old, 1)
        taken = np.concatenate([taken, vectors.pair_key(picked.young, picked.old)])
        got += float(picked.score.sum())
        pairs += zip(
            picked.young.tolist(), picked.old.tolist(), picked.minutes.tolist(), strict=True
        )
    return Repair(pairs, max(0.0, (hoped or 0.0) - got))


def _best_partners(problem: SolveInput, row: int, everyone: Ints, need: int) -> Edges:
    """The allowed partners of `row`, best first, as many as could matter: its own capacity
    plus that of every other changed person is more than enough, but `max_candidates` is kept
    so that competing changed people still find someone."""
    pool, policy = problem.pool, problem.policy
    found, minutes = vectors.partners(pool, row, everyone[everyone != row], policy)
    younger = pool.birth[row] > pool.birth[found]
    me = np.full(len(found), row)
    y, o = np.where(younger, me, found), np.where(younger, found, me)
    edges = Edges(y, o, minutes, np.zeros(len(found)))
    edges = Edges(y, o, minutes, vectors.score(pool, edges, policy))
    order = np.lexsort((pool.ranks()[found], -edges.score))  # ties by id
    keep = max(policy.max_candidates, need)
    allowed = [i for i in order[: 4 * keep].tolist() if problem.allowed(row, int(found[i]))]
    return edges.take(np.array(allowed[:keep], np.int64))


def _unique(found: list[Edges], ranks: Ints) -> Edges:
    """Each pair once, in the order of the ids of its people (so the greedy pass breaks ties
    by id)."""
    young = np.concatenate([e.young for e in found])
    old = np.concatenate([e.old for e in found])
    _, first = np.unique(vectors.pair_key(ranks[young], ranks[old]), return_index=True)
    minutes = np.concatenate([e.minutes for e in found])[first]
    score = np.concatenate([e.score for e in found])[first]
    return Edges(young[first], old[first], minutes, score)
