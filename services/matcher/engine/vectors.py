"""The scoring rules of `scoring`, vectorised over pool rows with numpy.

Every formula here repeats its scalar twin operation by operation in float64, so a pair scores
the same whichever path computed it.
"""

from dataclasses import dataclass
from typing import Any, Self

import numpy as np
from numpy.typing import NDArray

from services.matcher.core.policy import Policy
from services.matcher.engine.management import Chains
from services.matcher.engine.pool import Pool
from services.matcher.solver.arrays import Bools, Floats, Ints

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


def any_common(a: Masks, i: Ints, b: Masks, j: Ints) -> Bools:
    if a.shape[1] == 1:
        return _bools((a[:, 0][i] & b[:, 0][j]) != 0)
    return _bools(((a[i] & b[j]) != 0).any(axis=1))


def _bools(value: object) -> Bools:
    return np.asarray(value, dtype=np.bool_)


def common_count(a: Masks, i: Ints, b: Masks, j: Ints) -> Ints:
    if a.shape[1] == 1:
        return np.asarray(np.bitwise_count(a[:, 0][i] & b[:, 0][j]), dtype=np.int64)
    return np.asarray(np.bitwise_count(a[i] & b[j]).sum(axis=1), dtype=np.int64)


def score(pool: Pool, edges: Any, policy: Policy) -> Floats:
    """Scores of (edges.young, edges.old) pairs with `edges.minutes` in common."""
    out = np.empty(len(edges.young))
    for start in range(0, len(out), _CHUNK):  # chunks keep the temporaries in cache
        part = slice(start, start + _CHUNK)
        out[part] = _score(pool, edges.young[part], edges.old[part], edges.minutes[part], policy)
    return out


_CHUNK = 1 << 16


def _score(pool: Pool, y: Ints, o: Ints, minutes: Ints, policy: Policy) -> Floats:
    forward = _share(pool, y, o)
    backward = _share(pool, o, y)
    total = forward + backward
    fused = np.divide(2 * forward * backward, total, out=np.zeros(len(y)), where=total > 0)
    overlap = np.minimum(1.0, minutes / 60 / policy.full_overlap_hours)
    gap = np.minimum(1.0, np.abs(pool.birth[y] - pool.birth[o]) / policy.full_gap_years)
    weighted = policy.weight_complementarity * fused + policy.weight_overlap * overlap
    return weighted + policy.weight_gap * gap  # type: ignore[no-any-return]


def _share(pool: Pool, teacher: Ints, learner: Ints) -> Floats:
    wanted = pool.want_count[learner]
    common = common_count(pool.offers, teacher, pool.wants, learner).astype(np.float64)
    return np.divide(common, wanted, out=np.zeros(len(teacher)), where=wanted > 0)


def overlap_with(pool: Pool, row: int, others: Ints, *, at_least: int) -> Ints:
    """Common minutes between one row and each of `others`, in stretches of `at_least` minutes
    (as `overlap_minutes` counts them; padded windows add nothing)."""
    total = np.zeros(len(others), np.int64)
    starts, ends = pool.win_start[others], pool.win_end[others]
    for k in range(int(pool.win_count[row])):
        s, e = pool.win_start[row, k], pool.win_end[row, k]
        pieces = np.minimum(ends, e) - np.maximum(starts, s)
        total += np.where(pieces >= at_least, pieces, 0).sum(axis=1)
    return total


def pair_key(a: Ints, b: Ints) -> Ints:
    """An order-free key of a pair of rows."""
    return (np.minimum(a, b) << 32) | np.maximum(a, b)


def excluded(a: Ints, b: Ints, forbidden: Ints, chains: Chains) -> Bools:
    """Pairs listed in `forbidden` (sorted pair keys) or in each other's management chain."""
    out = chains.related(a, b)
    if len(forbidden):
        keys = pair_key(a, b)
        at = np.minimum(np.searchsorted(forbidden, keys), len(forbidden) - 1)
        out |= _bools(forbidden[at] == keys)
    return out


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
    minutes = overlap_with(pool, row, found, at_least=policy.meeting_minutes)
    enough = minutes >= policy.min_common_minutes
    return found[enough], minutes[enough]
