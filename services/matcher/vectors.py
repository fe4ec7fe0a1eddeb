"""The scoring rules of `scoring`, vectorised over pool rows with numpy.

Every formula here repeats its scalar twin operation by operation in float64, so a pair scores
the same whichever path computed it.
"""

from dataclasses import dataclass
from typing import Any, Self

import numpy as np
from numpy.typing import NDArray

from .policy import Policy
from .pool import Pool

Ints = NDArray[np.int64]
Masks = NDArray[np.uint64]


@dataclass(frozen=True)
class Side:
    """Pool columns gathered for a set of rows, indexed 0..n-1."""

    n: int
    birth: Ints
    department: Ints
    langs: Masks
    offers: Masks
    wants: Masks
    win_start: Ints
    win_end: Ints
    win_count: Ints

    @classmethod
    def of(cls, pool: Pool, rows: Ints) -> Self:
        return cls(
            len(rows),
            pool.birth[rows],
            pool.department[rows],
            pool.langs[rows],
            pool.offers[rows],
            pool.wants[rows],
            pool.win_start[rows],
            pool.win_end[rows],
            pool.win_count[rows],
        )


def any_common(a: Masks, i: Ints, b: Masks, j: Ints) -> NDArray[np.bool_]:
    if a.shape[1] == 1:
        return _bools((a[:, 0][i] & b[:, 0][j]) != 0)
    return _bools(((a[i] & b[j]) != 0).any(axis=1))


def _bools(value: object) -> NDArray[np.bool_]:
    return np.asarray(value, dtype=np.bool_)


def common_count(a: Masks, i: Ints, b: Masks, j: Ints) -> Ints:
    if a.shape[1] == 1:
        return np.asarray(np.bitwise_count(a[:, 0][i] & b[:, 0][j]), dtype=np.int64)
    return np.asarray(np.bitwise_count(a[i] & b[j]).sum(axis=1), dtype=np.int64)


def score(pool: Pool, edges: Any, policy: Policy) -> NDArray[np.float64]:
    """Scores of (edges.young, edges.old) pairs with `edges.minutes` in common."""
    out = np.empty(len(edges.young))
    for start in range(0, len(out), _CHUNK):  # chunks keep the temporaries in cache
        part = slice(start, start + _CHUNK)
        out[part] = _score(pool, edges.young[part], edges.old[part], edges.minutes[part], policy)
    return out


_CHUNK = 1 << 16


def _score(pool: Pool, y: Ints, o: Ints, minutes: Ints, policy: Policy) -> NDArray[np.float64]:
    forward = _share(pool, y, o)
    backward = _share(pool, o, y)
    total = forward + backward
    fused = np.divide(2 * forward * backward, total, out=np.zeros(len(y)), where=total > 0)
    overlap = np.minimum(1.0, minutes / 60 / policy.full_overlap_hours)
    gap = np.minimum(1.0, np.abs(pool.birth[y] - pool.birth[o]) / policy.full_gap_years)
    weighted = policy.weight_complementarity * fused + policy.weight_overlap * overlap
    return weighted + policy.weight_gap * gap  # type: ignore[no-any-return]


def _share(pool: Pool, teacher: Ints, learner: Ints) -> NDArray[np.float64]:
    wanted = pool.want_count[learner]
    common = common_count(pool.offers, teacher, pool.wants, learner).astype(np.float64)
    return np.divide(common, wanted, out=np.zeros(len(teacher)), where=wanted > 0)


def overlap_with(pool: Pool, row: int, others: Ints) -> Ints:
    """Common minutes between one row and each of `others` (padded windows add nothing)."""
    total = np.zeros(len(others), np.int64)
    starts, ends = pool.win_start[others], pool.win_end[others]
    for k in range(int(pool.win_count[row])):
        s, e = pool.win_start[row, k], pool.win_end[row, k]
        total += np.maximum(0, np.minimum(ends, e) - np.maximum(starts, s)).sum(axis=1)
    return total


def pair_key(a: Ints, b: Ints) -> Ints:
    """An order-free key of a pair of rows."""
    return (np.minimum(a, b) << 32) | np.maximum(a, b)


def excluded(a: Ints, b: Ints, forbidden: Ints, chains: "Chains") -> NDArray[np.bool_]:
    """Pairs listed in `forbidden` (sorted pair keys) or in each other's management chain."""
    out = chains.related(a, b)
    if len(forbidden):
        keys = pair_key(a, b)
        at = np.minimum(np.searchsorted(forbidden, keys), len(forbidden) - 1)
        out |= _bools(forbidden[at] == keys)
    return out


class Chains:
    """Management chains as nested intervals: a is above b when b's position in a depth-first
    walk of the management forest lies inside a's subtree. Cycles in the data are cut at one
    link first, which keeps every pair of a cycle related (it becomes a chain)."""

    def __init__(self, parent: Ints) -> None:
        parent = _without_cycles(parent.copy())
        above = _ancestors(parent)
        n, depth = len(parent), (above >= 0).sum(axis=1)
        path = np.full((n, above.shape[1] + 1), -1, np.int64)  # root first, then down to self
        rows = np.repeat(np.arange(n), depth)
        level = np.arange(len(rows)) - np.repeat(np.cumsum(depth) - depth, depth)
        path[rows, depth[rows] - 1 - level] = above[rows, level]
        path[np.arange(n), depth] = np.arange(n)
        order = np.lexsort(path.T[::-1])
        self.enter = np.empty(n, np.int64)
        self.enter[order] = np.arange(n)
        below = np.bincount(above[above >= 0], minlength=n)
        self.leave = self.enter + below + 1
        self.any = bool((parent >= 0).any())

    def related(self, a: Ints, b: Ints) -> NDArray[np.bool_]:
        """Whether one of each pair is above the other."""
        if not self.any:
            return np.zeros(len(a), bool)
        ea, eb = self.enter[a], self.enter[b]
        return _bools(((ea < eb) & (eb < self.leave[a])) | ((eb < ea) & (ea < self.leave[b])))


def _ancestors(parent: Ints) -> Ints:
    """Each row's chain upwards as rows, -1 padded (the parent array has no cycles)."""
    chain = [parent]
    while (chain[-1] >= 0).any():
        up = chain[-1]
        chain.append(np.where(up >= 0, parent[np.maximum(up, 0)], -1))
    return np.stack(chain[:-1] or [parent], axis=1)


def _without_cycles(parent: Ints) -> Ints:
    """Cut one link of every cycle (cycles are data errors, and rare: found by walking)."""
    state = np.zeros(len(parent), np.int8)  # 0 unseen, 1 on the current walk, 2 done
    for start in np.flatnonzero(_reaches_a_cycle(parent)).tolist():
        walk, node = [], start
        while node >= 0 and state[node] == 0:
            state[node] = 1
            walk.append(node)
            node = int(parent[node])
        if node >= 0 and state[node] == 1:
            parent[node] = -1  # node is on the cycle this walk found
        state[walk] = 2
    return parent


def _reaches_a_cycle(parent: Ints) -> NDArray[np.bool_]:
    """Rows whose chain does not end within len(parent) steps (pointer doubling)."""
    up = parent.copy()
    for _ in range(max(1, len(parent).bit_length())):
        up = np.where(up >= 0, up[np.maximum(up, 0)], -1)
    return _bools(up >= 0)


def partners(pool: Pool, row: int, others: Ints, policy: Policy) -> tuple[Ints, Ints]:
    """The rows of `others` that meet every person-level constraint with `row`, and the common
    minutes with each (the cheap tests first, the time overlap on what is left)."""
    p = np.full(len(others), row)
    ok = np.abs(pool.birth[others] - pool.birth[row]) >= policy.min_birth_year_gap
    ok &= any_common(pool.langs, p, pool.langs, others)
    dept = pool.department[row]
    ok &= (dept < 0) | (pool.department[others] != dept)
    if policy.require_two_way:
        ok &= any_common(pool.offers, p, pool.wants, others)
        ok &= any_common(pool.wants, p, pool.offers, others)
    found = others[ok]
    minutes = overlap_with(pool, row, found)
    enough = minutes >= policy.min_common_minutes
    return found[enough], minutes[enough]
