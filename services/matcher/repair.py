"""Local repair: the new pairs after a few people changed or were freed.

After a full solve no two free people can be paired, and a change only opens pairs that touch
the people it changed. So each changed person with free capacity is scored against every free
person of the other side, its best few allowed partners kept (enough that the others' choices
can never crowd it out: more than the changed people's capacity together), and that small
neighbourhood is solved exactly.
"""

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from . import vectors
from .candidates import Edges
from .solver import assign

if TYPE_CHECKING:
    from .engine import MatchingEngine


@dataclass(frozen=True)
class Repair:
    pairs: list[tuple[int, int]]
    """(younger row, older row) of the new pairs."""
    missed: float
    """How far the total may be below what the changed people could get without competing for
    the same partners (an optimistic bound minus what they got)."""


def neighbourhood(engine: "MatchingEngine", changed: list[str]) -> Repair:
    pool, policy = engine.pool, engine.policy
    free = engine.free_capacity()
    rows = [pool.row_of[p] for p in sorted(changed) if free[pool.row_of[p]] > 0]
    if not rows:
        return Repair([], 0.0)
    keep = max(policy.max_candidates, int(free[rows].sum()) + 1)
    young, old = engine.sides(free)
    found = [_best_partners(engine, row, young, old, keep) for row in rows]
    edges = _unique(found)
    if len(edges) == 0:
        return Repair([], 0.0)
    solution = assign(
        edges.young, edges.old, edges.score, left_cap=free, right_cap=free, exact=True
    )
    hoped = sum(
        float(np.sort(e.score)[::-1][: free[row]].sum()) for row, e in zip(rows, found, strict=True)
    )
    picked = edges.take(solution.chosen)
    pairs = list(zip(picked.young.tolist(), picked.old.tolist(), strict=True))
    return Repair(pairs, max(0.0, hoped - solution.total))


def _best_partners(
    engine: "MatchingEngine", row: int, young: np.ndarray, old: np.ndarray, keep: int
) -> Edges:
    pool = engine.pool
    younger = engine.is_younger(row)
    others = old if younger else young
    found, minutes = vectors.partners(pool, row, others[others != row], engine.policy)
    me = np.full(len(found), row)
    y, o = (me, found) if younger else (found, me)
    edges = Edges(y, o, minutes, np.zeros(len(found)))
    edges = Edges(y, o, minutes, vectors.score(pool, edges, engine.policy))
    order = np.argsort(-edges.score, kind="stable")
    person = pool.people[row]
    allowed = []
    for i in order:
        other = pool.people[int(found[i])]
        if person is not None and other is not None and engine.allowed(person, other):
            allowed.append(i)
            if len(allowed) == keep:
                break
    return edges.take(np.array(allowed, np.int64))


def _unique(found: list[Edges]) -> Edges:
    young = np.concatenate([e.young for e in found])
    old = np.concatenate([e.old for e in found])
    _, first = np.unique(vectors.pair_key(young, old), return_index=True)
    minutes = np.concatenate([e.minutes for e in found])[first]
    score = np.concatenate([e.score for e in found])[first]
    return Edges(young[first], old[first], minutes, score)
