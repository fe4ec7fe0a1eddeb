"""Ranking within groups, for many groups at once: one sort of an int64 that packs the group,
the value quantised (descending) and the position, which is several times faster than lexsort."""

import numpy as np
from numpy.typing import NDArray

Ints = NDArray[np.int64]


def ranked(group: Ints, value: NDArray[np.float64]) -> tuple[Ints, Ints]:
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
    first = np.empty(n, bool)
    first[0] = True
    np.not_equal(sorted_group[1:], sorted_group[:-1], out=first[1:])
    rank = np.arange(n) - np.maximum.accumulate(np.where(first, np.arange(n), 0))
    return order, rank
