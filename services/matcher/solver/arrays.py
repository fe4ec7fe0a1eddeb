"""Array helpers the matcher's numpy code shares: the integer-array type, runs laid end to end,
and ranking within groups.

Runs: many variable-length groups are flattened into one array, group k taking `counts[k]`
consecutive elements; `starts` and `positions` say where each group begins and where each element
sits inside its group. Ranking: `ranked` sorts many groups by value at once with one sort of an
int64 that packs the group, the value quantised (descending) and the position, which is several
times faster than lexsort.
"""

import numpy as np
from numpy.typing import NDArray

Ints = NDArray[np.int64]
Floats = NDArray[np.float64]
Bools = NDArray[np.bool_]


def starts(counts: Ints) -> Ints:
    """Where each group of `counts[k]` elements begins when the groups are laid end to end."""
    return np.cumsum(counts) - counts


def positions(counts: Ints) -> Ints:
    """Each element's position within its group, groups laid end to end: for counts (2, 3),
    (0, 1, 0, 1, 2)."""
    return np.arange(int(counts.sum())) - np.repeat(starts(counts), counts)


def firsts(values: Ints) -> Bools:
    """Marks the first element of every run of equal values."""
    out = np.empty(len(values), bool)
    if len(values):
        out[0] = True
        np.not_equal(values[1:], values[:-1], out=out[1:])
    return out


def rank_within(group: Ints) -> Ints:
    """For sorted group labels, each element's position within its group."""
    at = np.arange(len(group))
    return at - np.maximum.accumulate(np.where(firsts(group), at, 0))


def ranked(group: Ints, value: Floats) -> tuple[Ints, Ints]:
    """(order, rank): positions sorted by group, then by value from high to low (ties by
    position), and each one's rank within its group. Values are compared to about 1e-6 of the
    largest magnitude when the packing allows it (otherwise exactly)."""
    n = len(value)
    if n == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    edge_bits, group_bits = n.bit_length(), max(1, int(group.max()).bit_length())
    q_bits = min(62 - edge_bits - group_bits, 30)
    if q_bits >= 20:
        low, high = float(value.min()), float(value.max())
        top = (1 << q_bits) - 1
        scale = top / (high - low) if high > low else 0.0
        worse = top - ((value - low) * scale).astype(np.int64)
        packed = np.sort((group << (q_bits + edge_bits)) | (worse << edge_bits) | np.arange(n))
        order, sorted_group = packed & ((1 << edge_bits) - 1), packed >> (q_bits + edge_bits)
    else:
        order = np.lexsort((np.arange(n), -value, group))
        sorted_group = group[order]
    return order, rank_within(sorted_group)
