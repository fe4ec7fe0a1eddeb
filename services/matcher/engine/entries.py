"""The sorted window entries that `candidates` merge-joins, with what its filters read packed
per entry so the hot loop gathers few arrays, and the join itself."""

import itertools
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from services.matcher.core.policy import Policy
from services.matcher.engine.vectors import Masks, Side
from services.matcher.solver.arrays import Bools, Ints, positions, starts

MINUTES, BIRTH, DEPT = 14, 28, 39  # bit offsets in `Entries.info`
_YEAR_ZERO = 1800  # birth years are stored as 11 bits from here
_CHUNK = 1 << 17  # window pairs per step of the join: small enough to stay in cache


@dataclass(frozen=True)
class Entries:
    """One per (person, key, window), sorted by (key, window start)."""

    row: Ints
    start: Ints
    """key << 14 | start minute: the join position."""
    end: Ints
    info: Ints
    """department + 1 (0: none) << 39 | birth year - 1800 << 28 | start << 14 | end minute."""
    langs: list[Ints]
    """Language mask words."""
    below: list[Ints]
    """Skills below the entry's key (s, t): a window pair is counted under the lowest key its
    two people share, so the young and old `below` words of a counted pair never meet."""


def keyed_windows(
    ys: Side, os_: Side, policy: Policy, skill_words: int, *, either_way: bool
) -> tuple[Entries, Entries] | None:
    if policy.require_two_way:
        y = _skill_keys(ys.offers, ys.wants)
        o = _skill_keys(os_.wants, os_.offers)
    else:
        y = (np.arange(ys.n), np.zeros(ys.n, np.int64), np.zeros(ys.n, np.int64))
        o = (np.arange(os_.n), np.zeros(os_.n, np.int64), np.zeros(os_.n, np.int64))
    n_skills = 64 * skill_words
    y_key, o_key = y[1] * n_skills + y[2], o[1] * n_skills + o[2]
    common = np.intersect1d(y_key, o_key)
    if len(common) == 0:
        return None
    two_way = policy.require_two_way
    return (
        _entries(ys, y, y_key, common, (ys.offers, ys.wants) if two_way else None),
        _entries(os_, o, o_key, common, (os_.wants, os_.offers) if two_way else None),
    )


def _skill_keys(first: Masks, second: Masks) -> tuple[Ints, Ints, Ints]:
    """(row, s, t) for every skill s in `first[row]` and t in `second[row]`."""
    f_row, f_tok = np.nonzero(_bits(first))
    s_row, s_tok = np.nonzero(_bits(second))
    s_count = np.bincount(s_row, minlength=first.shape[0])
    s_first = starts(s_count)
    per = s_count[f_row]
    owner = np.repeat(np.arange(len(f_row)), per)
    rows = f_row[owner]
    return (
        rows,
        f_tok[owner].astype(np.int64),
        s_tok[s_first[rows] + positions(per)].astype(np.int64),
    )


def _bits(masks: Masks) -> Bools:
    """Masks (n, words) as booleans (n, 64 * words); bit i of word w is column 64 w + i."""
    as_bytes = (
        np.ascontiguousarray(masks).view(np.uint8).reshape(masks.shape[0], 8 * masks.shape[1])
    )
    return np.unpackbits(as_bytes, axis=1, bitorder="little").astype(bool)


def _entries(
    side: Side,
    keyed: tuple[Ints, Ints, Ints],
    key: Ints,
    common: Ints,
    skills: tuple[Masks, Masks] | None,
) -> Entries:
    keep = np.isin(key, common)
    row, s, t = keyed[0][keep], keyed[1][keep], keyed[2][keep]
    rank = np.searchsorted(common, key[keep])
    count = side.win_count[row]
    owner = np.repeat(np.arange(len(row)), count)
    slot = positions(count)
    r = row[owner]
    start, end = side.win_start[r, slot], side.win_end[r, slot]
    base = rank[owner] << MINUTES
    order = np.argsort(base + start, kind="stable")
    r, owner, start, end = r[order], owner[order], start[order], end[order]
    info = (side.department[r] + 1) << DEPT
    info |= (side.birth[r] - _YEAR_ZERO) << BIRTH
    info |= (start << MINUTES) | end
    below = _below(skills, r, s[owner], t[owner]) if skills is not None else []
    langs = [
        np.ascontiguousarray(side.langs[r, w]).view(np.int64) for w in range(side.langs.shape[1])
    ]
    return Entries(r, (base[order] + start), base[order] + end, info, langs, below)


def _below(skills: tuple[Masks, Masks], row: Ints, s: Ints, t: Ints) -> list[Ints]:
    """For each entry, its first mask's bits below s and its second mask's bits below t."""
    out = []
    for masks, token in zip(skills, (s, t), strict=True):
        for w in range(masks.shape[1]):
            word = token // 64
            partial = (np.uint64(1) << (token % 64).astype(np.uint64)) - np.uint64(1)
            low = np.where(w < word, np.uint64(0xFFFFFFFFFFFFFFFF), np.where(w == word, partial, 0))
            out.append((masks[row, w] & low.astype(np.uint64)).view(np.int64))
    return out


def overlapping(y: Entries, o: Entries) -> Iterator[tuple[Ints, Ints]]:
    """Chunks of (young entry, old entry) index pairs whose windows overlap under one key."""
    # An old window starting inside a young one, then a young one starting strictly inside an
    # old one: every overlapping pair exactly once.
    lo = np.searchsorted(o.start, y.start, "left")
    hi = np.maximum(np.searchsorted(o.start, y.end, "left"), lo)
    yield from _ranges(lo, hi)
    lo = np.searchsorted(y.start, o.start, "right")
    hi = np.maximum(np.searchsorted(y.start, o.end, "left"), lo)
    for b, a in _ranges(lo, hi):
        yield a, b


def _ranges(lo: Ints, hi: Ints) -> Iterator[tuple[Ints, Ints]]:
    """For every i, the pairs (i, j) with lo[i] <= j < hi[i], in chunks of about _CHUNK."""
    count = hi - lo
    total = np.cumsum(count)
    if len(total) == 0 or total[-1] == 0:
        return
    cuts = np.unique(np.searchsorted(total, np.arange(_CHUNK, int(total[-1]), _CHUNK)))
    for first, last in itertools.pairwise([0, *cuts.tolist(), len(lo)]):
        c = count[first:last]
        if first >= last or not c.any():
            continue
        owner = np.repeat(np.arange(first, last), c)
        yield owner, lo[owner] + positions(c)
