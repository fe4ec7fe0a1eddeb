"""Candidate pairs between the younger and the older side, without scoring every pair.

Under the two-way rule a pair needs a skill s the younger offers and the older wants, and a skill
t the older offers and the younger wants. Everyone is listed once per such (s, t) key and per
availability window, sorted by (key, window start); a merge-join then yields exactly the window
pairs that share a key and overlap in time, each once (the window that starts inside the other
reports it), and a window pair reached through several keys is kept only under the lowest key
the two share. Language, birth-year gap and department filter these; the pieces of common time
are summed per pair (so time split over several days counts), pairs below the minimum dropped,
the rest scored exactly as `scoring` does, and the best `k` of every person on either side
kept. Without the two-way rule every person has the one key 0: a plain time join.
"""

import itertools
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .policy import Policy
from .pool import Pool
from .vectors import Rows, Side, excluded, lowest_common_is, score

Ints = NDArray[np.int64]
_CHUNK = 1 << 18
_SHIFT = 14  # minutes of a week fit in 14 bits


@dataclass(frozen=True)
class Edges:
    """Scored candidate pairs, as pool rows."""

    young: Ints
    old: Ints
    minutes: Ints
    score: NDArray[np.float64]

    def __len__(self) -> int:
        return len(self.score)

    def take(self, keep: NDArray[np.bool_] | Ints) -> "Edges":
        return Edges(self.young[keep], self.old[keep], self.minutes[keep], self.score[keep])


def candidates(
    pool: Pool, young: Ints, old: Ints, policy: Policy, *, k: int, forbidden: Ints, ancestors: Ints
) -> Edges:
    """The best `k` feasible partners of everyone in `young` among `old` and vice versa.
    `forbidden` holds sorted pair keys (see `vectors.pair_key`) never to pair; `ancestors` the
    management chain of every pool row."""
    ys, os_ = Side.of(pool, young), Side.of(pool, old)
    entries = _keyed_windows(ys, os_, policy.require_two_way, pool.skills.words * 64)
    if entries is None:
        return _empty()
    y_pair, o_pair, minutes = _sum_pieces(ys, os_, policy, *entries)
    edges = Edges(young[y_pair], old[o_pair], minutes, np.zeros(len(minutes)))
    edges = edges.take(~excluded(edges.young, edges.old, forbidden, ancestors))
    edges = Edges(edges.young, edges.old, edges.minutes, score(pool, edges, policy))
    if policy.require_two_way:
        edges = edges.take(edges.score > _one_way_score(policy))
    keep = _top(edges.young, edges.score, k) | _top(edges.old, edges.score, k)
    return edges.take(keep)


def _one_way_score(policy: Policy) -> float:
    """Safety net: with the two-way join every pair has complementarity > 0 already."""
    return -1.0


def _empty() -> Edges:
    none = np.zeros(0, np.int64)
    return Edges(none, none, none, np.zeros(0))


@dataclass(frozen=True)
class _Entries:
    """Window entries of one side sorted by (key rank, start)."""

    row: Ints  # local row in the side
    key: Ints  # key rank
    start: Ints  # position: key rank << 14 | start minute
    end: Ints


def _keyed_windows(
    ys: Side, os_: Side, two_way: bool, n_skills: int
) -> tuple[_Entries, _Entries, Ints, Ints] | None:
    if two_way:
        y_row, y_key, _, _ = _skill_keys(ys.offers, ys.wants, n_skills)
        o_row, o_key, _, _ = _skill_keys(os_.wants, os_.offers, n_skills)
    else:
        y_row, y_key = np.arange(ys.n), np.zeros(ys.n, np.int64)
        o_row, o_key = np.arange(os_.n), np.zeros(os_.n, np.int64)
    common = np.intersect1d(y_key, o_key)
    if len(common) == 0:
        return None
    s_of, t_of = (common // n_skills, common % n_skills) if two_way else (common, common)
    return _windows(ys, y_row, y_key, common), _windows(os_, o_row, o_key, common), s_of, t_of


def _skill_keys(
    first: NDArray[np.uint64], second: NDArray[np.uint64], n_skills: int
) -> tuple[Ints, Ints, Ints, Ints]:
    """(row, s * n_skills + t) for every s in `first[row]` and t in `second[row]`."""
    f_row, f_tok = np.nonzero(_bits(first))
    s_row, s_tok = np.nonzero(_bits(second))
    n = first.shape[0]
    f_count, s_count = np.bincount(f_row, minlength=n), np.bincount(s_row, minlength=n)
    s_first = np.cumsum(s_count) - s_count
    per = s_count[f_row]
    owner = np.repeat(np.arange(len(f_row)), per)
    inner = np.arange(len(owner)) - np.repeat(np.cumsum(per) - per, per)
    rows = f_row[owner]
    keys = f_tok[owner] * n_skills + s_tok[s_first[rows] + inner]
    return rows.astype(np.int64), keys.astype(np.int64), f_count, s_count


def _bits(masks: NDArray[np.uint64]) -> NDArray[np.bool_]:
    """Masks (n, words) as booleans (n, 64 * words); bit i of word w is column 64 w + i."""
    as_bytes = np.ascontiguousarray(masks).view(np.uint8).reshape(masks.shape[0], -1)
    return np.unpackbits(as_bytes, axis=1, bitorder="little").astype(bool)


def _windows(side: Side, row: Ints, key: Ints, common: Ints) -> _Entries:
    keep = np.isin(key, common)
    row, rank = row[keep], np.searchsorted(common, key[keep])
    count = side.win_count[row]
    owner = np.repeat(np.arange(len(row)), count)
    slot = np.arange(len(owner)) - np.repeat(np.cumsum(count) - count, count)
    r = row[owner]
    base = rank[owner] << _SHIFT
    start, end = base + side.win_start[r, slot], base + side.win_end[r, slot]
    order = np.argsort(start, kind="stable")
    return _Entries(r[order], rank[owner][order], start[order], end[order])


def _sum_pieces(
    ys: Side, os_: Side, policy: Policy, y: _Entries, o: _Entries, s_of: Ints, t_of: Ints
) -> tuple[Ints, Ints, Ints]:
    """(young row, old row, common minutes) of every pair meeting the cheap constraints."""
    found = [np.zeros(0, np.int64)]
    for a, b in _overlapping(y, o):
        pieces = np.minimum(y.end[a], o.end[b]) - np.maximum(y.start[a], o.start[b])
        yr, orow = y.row[a], o.row[b]
        ok = Rows(ys, yr).can_pair(Rows(os_, orow), policy)
        if policy.require_two_way:
            key = y.key[a]
            ok &= lowest_common_is(ys.offers, yr, os_.wants, orow, s_of[key])
            ok &= lowest_common_is(os_.offers, orow, ys.wants, yr, t_of[key])
        pair = yr[ok] * os_.n + orow[ok]
        found.append((pair << _SHIFT) | pieces[ok])
    packed = np.sort(np.concatenate(found))
    pair, pieces = packed >> _SHIFT, packed & ((1 << _SHIFT) - 1)
    if len(pair) == 0:
        return pair, pair, pair
    starts = np.flatnonzero(np.r_[True, pair[1:] != pair[:-1]])
    total = np.add.reduceat(pieces, starts)
    enough = total >= policy.min_common_minutes
    pair = pair[starts][enough]
    return pair // os_.n, pair % os_.n, total[enough]


def _overlapping(y: _Entries, o: _Entries) -> Iterator[tuple[Ints, Ints]]:
    """Chunks of (young entry, old entry) index pairs whose windows overlap under one key."""
    # An old window starting inside a young one, then a young one starting strictly inside an
    # old one: every overlapping pair exactly once.
    lo = np.searchsorted(o.start, y.start, "left")
    hi = np.maximum(np.searchsorted(o.start, y.end, "left"), lo)
    for a, b in _ranges(lo, hi):
        yield a, b
    lo = np.searchsorted(y.start, o.start, "right")
    hi = np.maximum(np.searchsorted(y.start, o.end, "left"), lo)
    for b, a in _ranges(lo, hi):
        yield a, b


def _ranges(lo: Ints, hi: Ints) -> Iterator[tuple[Ints, Ints]]:
    """For every i, the pairs (i, j) with lo[i] <= j < hi[i], in chunks of about _CHUNK."""
    count = hi - lo
    total = np.cumsum(count)
    cuts = np.searchsorted(total, np.arange(_CHUNK, int(total[-1]) if len(total) else 0, _CHUNK))
    bounds = [0, *np.unique(cuts).tolist(), len(lo)]
    for first, last in itertools.pairwise(bounds):
        c = count[first:last]
        if first >= last or not c.any():
            continue
        owner = np.repeat(np.arange(first, last), c)
        offset = np.arange(len(owner)) - np.repeat(np.cumsum(c) - c, c)
        yield owner, lo[owner] + offset


def _top(group: Ints, score: NDArray[np.float64], k: int) -> NDArray[np.bool_]:
    """Edges among the `k` best of their group (ties broken by position)."""
    n = len(score)
    keep = np.zeros(n, bool)
    if n == 0:
        return keep
    edge_bits, group_bits = int(n).bit_length(), int(group.max()).bit_length()
    q_bits = min(62 - edge_bits - group_bits, 30)
    if q_bits >= 16:
        q = np.round(score / max(float(score.max()), 1e-12) * ((1 << q_bits) - 1)).astype(np.int64)
        packed = (group << (q_bits + edge_bits)) | (((1 << q_bits) - 1 - q) << edge_bits)
        order = np.sort(packed | np.arange(n)) & ((1 << edge_bits) - 1)
    else:
        order = np.lexsort((np.arange(n), -score, group))
    g = group[order]
    starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
    rank = np.arange(n) - np.repeat(starts, np.diff(np.r_[starts, n]))
    keep[order[rank < k]] = True
    return keep
