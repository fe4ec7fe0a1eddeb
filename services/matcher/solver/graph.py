"""The unit-slot graph of a b-matching problem, and how to read a matching of it back."""

import numpy as np

from services.matcher.solver.arrays import Floats, Ints, positions, starts


class SlotGraph:
    """Left slots (one per unit of capacity of a left node with edges) and gadget nodes h form
    the rows; right slots and gadget nodes g the columns. Gadget k belongs to the k-th edge
    whose two ends both have several slots."""

    def __init__(self, left: Ints, right: Ints, weight: Floats, left_cap: Ints, right_cap: Ints):
        self.left, self.right, self.weight = left, right, weight
        self.ls, self.n_ls = _first_slots(left, left_cap)
        self.rs, self.n_rs = _first_slots(right, right_cap)
        self.lc, self.rc = left_cap[left], right_cap[right]
        self.gadget = np.flatnonzero((self.lc > 1) & (self.rc > 1))
        direct = np.flatnonzero((self.lc == 1) | (self.rc == 1))
        self.direct = _slot_pairs(direct, self.ls[left], self.lc, self.rs[right], self.rc)
        g = self.gadget
        self.g_left = _expand(self.ls[left[g]], self.lc[g])  # (left slot, gadget)
        self.g_right = _expand(self.rs[right[g]], self.rc[g])  # (right slot, gadget)

    def rectangle(self) -> tuple[Ints, Ints, Floats, int, int]:
        """(rows, cols, values, n_rows, n_cols): the graph for maximisation; gadget rows must
        always be matched, slots may stay single."""
        n_g = len(self.gadget)
        (edge, dl, dr), (gls, gk), (grs, grk) = self.direct, self.g_left, self.g_right
        h, g = self.n_ls + np.arange(n_g), self.n_rs + np.arange(n_g)
        rows = np.concatenate([dl, gls, h, self.n_ls + grk])
        cols = np.concatenate([dr, self.n_rs + gk, g, grs])
        values = np.concatenate([self.weight[edge], self.weight[self.gadget][gk], np.zeros(n_g)])
        values = np.concatenate([values, np.zeros(len(grs))])
        return rows, cols, values, self.n_ls + n_g, self.n_rs + n_g

    def square(self) -> tuple[Ints, Ints, Floats, int]:
        """(rows, cols, costs, size) of the square min-cost perfect matching: rectangle rows,
        then one shadow row per right slot; rectangle columns, then one shadow column per left
        slot. Shadows pair a slot with "unmatched" and mirror the slot edges among
        themselves."""
        rows, cols, values, n_rows, n_cols = self.rectangle()
        high = 1.0 + float(self.weight.max())
        m_edge, m_l, m_r = _slot_pairs(
            np.arange(len(self.weight)), self.ls[self.left], self.lc, self.rs[self.right], self.rc
        )
        costs = np.where(values > 0, high - values, 1.0)  # gadget edges cost 1 either way
        ls, rs = np.arange(self.n_ls), np.arange(self.n_rs)
        rows = np.concatenate([rows, ls, n_rows + rs, n_rows + m_r])
        cols = np.concatenate([cols, n_cols + ls, rs, n_cols + m_l])
        costs = np.concatenate([costs, np.full(self.n_ls + self.n_rs + len(m_edge), high)])
        return rows, cols, costs, n_rows + self.n_rs

    def chosen(self, rows: Ints, cols: Ints) -> Ints:
        """Indices of the edges a matching (row -> col pairs) uses."""
        match = np.full(self.n_ls, -1, np.int64)
        slot = rows < self.n_ls
        match[rows[slot]] = cols[slot]
        edge, dl, dr = self.direct
        (gls, gk) = self.g_left
        via_gadget = self.gadget[gk[match[gls] == self.n_rs + gk]]
        return np.concatenate([edge[match[dl] == dr], via_gadget])


def _first_slots(node: Ints, cap: Ints) -> tuple[Ints, int]:
    """First slot of every node that has an edge (others get none), and the slot count."""
    used = np.zeros(len(cap), bool)
    used[node] = True
    sizes = np.where(used, cap, 0)
    return starts(sizes), int(sizes.sum())


def _expand(first: Ints, count: Ints) -> tuple[Ints, Ints]:
    """(slot, k) for every slot of item k, which has `count[k]` slots from `first[k]`."""
    owner = np.repeat(np.arange(len(first)), count)
    return first[owner] + positions(count), owner


def _slot_pairs(
    edges: Ints, l_first: Ints, l_cap: Ints, r_first: Ints, r_cap: Ints
) -> tuple[Ints, Ints, Ints]:
    """Every (left slot, right slot) combination of the given edges: (edge, left, right)."""
    lc, rc = l_cap[edges], r_cap[edges]
    per = lc * rc
    edge = np.repeat(edges, per)
    k = positions(per)
    rcap = np.repeat(rc, per)
    return edge, l_first[edge] + k // rcap, r_first[edge] + k % rcap
