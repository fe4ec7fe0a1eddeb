"""Feasible and candidate pairs between two sets of people, without scoring every pair.

Under the two-way rule a pair needs a skill s the younger offers and the older wants, and a skill
t the older offers and the younger wants. Everyone is listed once per such (s, t) key and per
availability window, sorted by (key, window start); a merge-join then yields exactly the window
pairs that share a key and overlap in time, each once (the window that starts inside the other
reports it), and a window pair reached through several keys is kept only under the lowest (s, t)
the two share. Birth-year gap, language and department filter these; the pieces of common time
are summed per pair (time split over several days counts, each stretch long enough to meet), pairs below the minimum dropped, the
rest scored exactly as `scoring` does, and the best `k` of every person on either side kept.
Without the two-way rule everyone has the one key 0: a plain time join.
"""

from dataclasses import dataclass

import numpy as np

from services.matcher.core.policy import Policy
from services.matcher.engine.entries import (
    BIRTH,
    DEPT,
    MINUTES,
    Entries,
    keyed_windows,
    overlapping,
)
from services.matcher.engine.management import Chains
from services.matcher.engine.pool import Pool
from services.matcher.engine.vectors import Side, excluded, score
from services.matcher.solver.arrays import Bools, Floats, Ints, firsts, ranked


@dataclass(frozen=True)
class Edges:
    """Scored candidate pairs, as pool rows."""

    young: Ints
    old: Ints
    minutes: Ints
    score: Floats

    def __len__(self) -> int:
        return len(self.score)

    def take(self, keep: Bools | Ints) -> "Edges":
        return Edges(self.young[keep], self.old[keep], self.minutes[keep], self.score[keep])


def feasible(
    pool: Pool,
    young: Ints,
    old: Ints,
    policy: Policy,
    *,
    forbidden: Ints,
    chains: Chains,
    either_way: bool = False,
) -> Edges:
    """Every pair of someone in `young` and someone in `old` meeting every hard constraint
    (and the two-way rule, under the policy), scored, the younger first. `forbidden` holds
    sorted pair keys (see `vectors.pair_key`) never to pair; `chains` tells who is in whose
    management line. With `either_way` the two sets may overlap and a pair is found whichever
    set its younger is in."""
    if len(young) == 0 or len(old) == 0:
        return _empty()
    ys, os_ = Side.of(pool, young), Side.of(pool, old)
    listed = keyed_windows(ys, os_, policy, pool.skills.words, either_way=either_way)
    if listed is None:
        return _empty()
    y_at, o_at, minutes = _sum_pieces(ys, os_, policy, *listed, either_way=either_way)
    edges = Edges(young[y_at], old[o_at], minutes, np.zeros(len(minutes)))
    if either_way:
        edges = _younger_first(pool, edges.take(edges.young != edges.old))
    edges = edges.take(~excluded(edges.young, edges.old, forbidden, chains))
    return Edges(edges.young, edges.old, edges.minutes, score(pool, edges, policy))


def best(edges: Edges, value: Floats, k: int) -> Bools:
    """The edges among the `k` of highest `value` of their younger or of their older."""
    return _top(edges.young, value, k) | _top(edges.old, value, k)


def _empty() -> Edges:
    none = np.zeros(0, np.int64)
    return Edges(none, none, none, np.zeros(0))


def _younger_first(pool: Pool, edges: Edges) -> Edges:
    """Orient every pair younger first and drop the copies found from both sides."""
    swap = (pool.birth[edges.young] < pool.birth[edges.old]) | (
        (pool.birth[edges.young] == pool.birth[edges.old]) & (edges.young < edges.old)
    )
    y = np.where(swap, edges.old, edges.young)
    o = np.where(swap, edges.young, edges.old)
    keys = (y << 32) | o
    _, first = np.unique(keys, return_index=True)
    return Edges(y[first], o[first], edges.minutes[first], edges.score[first])


def _sum_pieces(
    ys: Side, os_: Side, policy: Policy, y: Entries, o: Entries, *, either_way: bool
) -> tuple[Ints, Ints, Ints]:
    """(young index, old index, common minutes) of every pair meeting the cheap constraints."""
    found = [np.zeros(0, np.int64)]
    gap = policy.min_birth_year_gap
    for a, b in overlapping(y, o):
        ia, ib = y.info[a], o.info[b]
        pieces = np.minimum(ia & _MASK14, ib & _MASK14) - np.maximum(
            (ia >> MINUTES) & _MASK14, (ib >> MINUTES) & _MASK14
        )
        years = ((ia >> BIRTH) & _MASK11) - ((ib >> BIRTH) & _MASK11)
        ok = (np.abs(years) if either_way else years) >= gap
        ok &= pieces >= policy.meeting_minutes  # only stretches a meeting fits in count
        dept = ia >> DEPT
        ok &= (dept == 0) | (dept != ib >> DEPT)
        ok &= _none_zero(y.langs, a, o.langs, b)
        ok &= _all_zero(y.below, a, o.below, b)
        at = np.flatnonzero(ok)
        pair = y.row[a[at]] * os_.n + o.row[b[at]]
        found.append((pair << MINUTES) | pieces[at])
    return _totals(np.sort(np.concatenate(found)), os_.n, policy.min_common_minutes)


_MASK14 = (1 << 14) - 1
_MASK11 = (1 << 11) - 1


def _none_zero(a: list[Ints], i: Ints, b: list[Ints], j: Ints) -> Bools:
    """Some word of a[i] & b[j] is non-zero (the masks share a bit)."""
    out = (a[0][i] & b[0][j]) != 0
    for wa, wb in zip(a[1:], b[1:], strict=True):
        out |= (wa[i] & wb[j]) != 0
    return np.asarray(out, np.bool_)


def _all_zero(a: list[Ints], i: Ints, b: list[Ints], j: Ints) -> Bools:
    if not a:
        return np.ones(len(i), np.bool_)
    return ~_none_zero(a, i, b, j)


def _totals(packed: Ints, n_old: int, minimum: int) -> tuple[Ints, Ints, Ints]:
    pair, pieces = packed >> MINUTES, packed & _MASK14
    if len(pair) == 0:
        return pair, pair, pair
    first = np.flatnonzero(firsts(pair))
    total = np.add.reduceat(pieces, first)
    enough = total >= minimum
    pair = pair[first][enough]
    return pair // n_old, pair % n_old, total[enough]


def _top(group: Ints, value: Floats, k: int) -> Bools:
    """Edges among the `k` of highest value in their group."""
    keep = np.zeros(len(value), bool)
    order, rank = ranked(group, value)
    keep[order[rank < k]] = True
    return keep
