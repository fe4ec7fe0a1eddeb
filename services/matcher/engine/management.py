"""Management lines: who reports to whom, kept as links by person id for the few questions a
change raises, and as nested intervals over pool rows for the many a solve asks.

Two people may not be paired when one is anywhere up the other's management chain. Chains are
followed through people outside the pool (opted out) and cycles in the data are walked once.
"""

from collections import defaultdict
from collections.abc import Mapping

import numpy as np

from services.matcher.core.features import Person
from services.matcher.core.scoring import reports_to
from services.matcher.solver.arrays import Bools, Ints, positions


class Management:
    """The reporting links of everyone the engine has seen."""

    def __init__(self) -> None:
        self.manager_of: dict[str, str | None] = {}
        self._reports: defaultdict[str, set[str]] = defaultdict(set)
        self._chains: Chains | None = None

    def link(self, person_id: str, manager_id: str | None, *, joined: bool) -> set[str]:
        """Record a person's manager; returns who may now share a management line with
        someone new: the person and everyone below them (nobody when a newcomer has no
        reports yet, as no chain can pass through them)."""
        self._chains = None
        self._reports[self.manager_of.get(person_id) or ""].discard(person_id)
        self.manager_of[person_id] = manager_id
        self._reports[manager_id or ""].add(person_id)
        if joined and not self._reports.get(person_id):
            return set()
        return self._team(person_id)

    def unlink(self, person_id: str) -> None:
        """Forget a person's own link (links of their reports to them stay, for a return)."""
        self._chains = None
        self._reports[self.manager_of.pop(person_id, None) or ""].discard(person_id)

    def related(self, a: Person, b: Person) -> bool:
        """Whether either is up the other's management chain."""
        return reports_to(a, b.id, self.manager_of) or reports_to(b, a.id, self.manager_of)

    def chains(self, row_of: Mapping[str, int], size: int) -> "Chains":
        """The links as `Chains` over pool rows, built again only after a link changed: rows
        are given and taken only when people join or leave, which links or unlinks them."""
        if self._chains is None:
            self._chains = Chains(self.parents(row_of, size))
        return self._chains

    def parents(self, row_of: Mapping[str, int], size: int) -> Ints:
        """Each pool row's manager's row (-1 when none or not in the pool)."""
        parent = np.full(size, -1, np.int64)
        for person_id, row in row_of.items():
            manager = self.manager_of.get(person_id)
            if manager is not None and manager in row_of:
                parent[row] = row_of[manager]
        return parent

    def _team(self, person_id: str) -> set[str]:
        team, todo = {person_id}, [person_id]
        while todo:
            for report in self._reports.get(todo.pop(), ()):
                if report not in team:
                    team.add(report)
                    todo.append(report)
        return team


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
        level = positions(depth)
        path[rows, depth[rows] - 1 - level] = above[rows, level]
        path[np.arange(n), depth] = np.arange(n)
        order = np.lexsort(path.T[::-1])
        self.enter = np.empty(n, np.int64)
        self.enter[order] = np.arange(n)
        below = np.bincount(above[above >= 0], minlength=n)
        self.leave = self.enter + below + 1
        self.any = bool((parent >= 0).any())

    def related(self, a: Ints, b: Ints) -> Bools:
        """Whether one of each pair is above the other."""
        if not self.any:
            return np.zeros(len(a), bool)
        ea, eb = self.enter[a], self.enter[b]
        above = (ea < eb) & (eb < self.leave[a])
        return np.asarray(above | ((eb < ea) & (ea < self.leave[b])), np.bool_)


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


def _reaches_a_cycle(parent: Ints) -> Bools:
    """Rows whose chain does not end within len(parent) steps (pointer doubling)."""
    up = parent.copy()
    for _ in range(max(1, len(parent).bit_length())):
        up = np.where(up >= 0, up[np.maximum(up, 0)], -1)
    return np.asarray(up >= 0, np.bool_)
