"""The matching state of one program, in memory: who is in the pool, which pairs exist (locked:
they use capacity and are never broken to raise the total), which may never be proposed
(blocked), and which new pairs to propose.

A full solve takes the free capacity, splits it into a younger and an older side at the
capacity-weighted median birth year, generates candidates (`candidates`), assigns them
(`solver`) and repeats on whoever is still free until no pair is added, so that afterwards no
two free people could be paired. That invariant makes a single change cheap: only pairs that
touch the people changed or freed since the last proposal can be new, so `propose` scores those
people against every free person of the other side and solves that small neighbourhood exactly
(local repair). A burst of changes, or an estimated loss above the policy's threshold, gets a
full solve instead.
"""

from collections import defaultdict
from datetime import date

import numpy as np

from shared.profile import Profile

from . import vectors
from .availability import coming_monday, monday_of
from .candidates import Edges, candidates
from .features import person_of
from .policy import Policy
from .pool import Pool
from .repair import neighbourhood
from .scoring import ScoredPair, pair_violation, reports_to, score_people
from .solver import assign, greedy

BURST = 256
"""More changed people than this since the last proposal get a full solve."""
MAX_ROUNDS = 8


class MatchingEngine:
    """Matching state of ONE program, in memory."""

    def __init__(self, policy: Policy, *, week_of: date | None = None) -> None:
        self.policy = policy
        self.week = monday_of(week_of) if week_of else coming_monday(date.today())
        self.pool = Pool()
        self._locks: dict[frozenset[str], tuple[str, str]] = {}
        self._locks_of: defaultdict[str, set[frozenset[str]]] = defaultdict(set)
        self._blocked: set[frozenset[str]] = set()
        self._manager_of: dict[str, str | None] = {}
        self._changed: set[str] = set()  # may have new pairs since the last proposal
        self._suspect: set[frozenset[str]] = set()  # locks to check in broken_locks
        self._offered: list[frozenset[str]] = []  # the last proposals, until locked
        self._split: int | None = None  # birth years above it are the younger side
        self._solved = False
        self.estimated_loss = 0.0
        self._chains: vectors.Chains | None = None

    # -- changes -------------------------------------------------------------------------------
    def upsert(self, person: Profile) -> None:
        """Add or replace a person; opted_in False keeps them out of the pool."""
        p = person_of(person, self.week)
        known = self.pool.people[self.pool.row_of[p.id]] if p.id in self.pool.row_of else None
        if known is None or known.manager_id != p.manager_id:
            self._chains = None
            if p.id in self._manager_of or p.manager_id is not None:
                self._suspect |= set(self._locks)  # a new chain link can join two others
        self._manager_of[p.id] = p.manager_id
        self.pool.put(p)
        self._suspect |= self._locks_of[p.id]
        self._changed.add(p.id)

    def remove(self, person_id: str) -> None:
        if self.pool.drop(person_id) is not None:
            self._chains = None
            if self._manager_of.pop(person_id, None) is not None or self._locks:
                self._suspect |= set(self._locks)
        self._suspect |= self._locks_of[person_id]
        self._changed.discard(person_id)

    def lock(self, younger_id: str, older_id: str) -> None:
        """An existing proposed or active pair: uses capacity, never broken to raise the total."""
        key = frozenset((younger_id, older_id))
        self._locks[key] = (younger_id, older_id)
        for person_id in key:
            self._locks_of[person_id].add(key)
        self._suspect.add(key)

    def unlock(self, younger_id: str, older_id: str) -> None:
        key = frozenset((younger_id, older_id))
        if self._locks.pop(key, None) is not None:
            for person_id in key:
                self._locks_of[person_id].discard(key)
                self._changed.add(person_id)
        self._suspect.discard(key)

    def block(self, a_id: str, b_id: str) -> None:
        """Declined, cancelled or ended: never proposed again."""
        self._blocked.add(frozenset((a_id, b_id)))

    # -- questions -----------------------------------------------------------------------------
    def broken_locks(self) -> list[tuple[str, str, str]]:
        """Locked pairs whose hard constraints no longer hold: (younger, older, reason)."""
        broken = []
        for key in sorted(self._suspect, key=sorted):
            younger, older = self._locks[key]
            reason = self._lock_violation(younger, older)
            if reason is None:
                self._suspect.discard(key)
            else:
                broken.append((younger, older, reason))
        return broken

    def free_capacity(self) -> np.ndarray:
        """Unlocked capacity per pool row (0 for people not in the pool)."""
        pool = self.pool
        free = np.where(pool.active[: pool.used], pool.capacity[: pool.used], 0)
        for a, b in self._locks.values():
            for person_id in (a, b):
                row = pool.row_of.get(person_id)
                if row is not None:
                    free[row] -= 1
        return np.maximum(free, 0)

    # -- proposals -----------------------------------------------------------------------------
    def propose(self) -> list[ScoredPair]:
        """New pairs to propose now (the caller then locks the ones it opens)."""
        for key in self._offered:
            if key not in self._locks:
                self._changed |= key  # offered but not taken up: consider them again
        changed = [p for p in self._changed if self._in_pool(p)]
        if not self._solved or len(changed) > BURST or self._loss_too_high():
            return self.solve_full()
        self._changed.clear()
        if not changed:
            return []
        result = neighbourhood(self, changed)
        self.estimated_loss += result.missed
        return self._explained(result.pairs)

    def solve_full(self) -> list[ScoredPair]:
        """A full optimal re-solve of the free capacity."""
        free = self.free_capacity()
        forbidden = [self._forbidden()]
        chosen: list[Edges] = []
        for round_ in range(MAX_ROUNDS):
            # Younger against older, optimally; each round splits what is still free afresh.
            self._split = _balanced_split(self.pool.birth[: len(free)], free)
            picked = self._round(free, forbidden, either_way=False)
            chosen.append(picked)
            if len(picked) <= round_:  # little left to gain from another optimal round
                break
        while True:
            # Whoever is still free, in any order of age, until no pair is possible.
            picked = self._round(free, forbidden, either_way=True)
            chosen.append(picked)
            if len(picked) == 0:
                break
        self._changed.clear()
        self._solved, self.estimated_loss = True, 0.0
        found = [p for e in chosen for p in zip(e.young.tolist(), e.old.tolist(), strict=True)]
        return self._explained(found)

    def _round(self, free: np.ndarray, forbidden: list[np.ndarray], *, either_way: bool) -> Edges:
        """One pass of candidates and assignment; updates `free` and `forbidden` in place."""
        if either_way:
            young = old = np.flatnonzero(free > 0)
        else:
            young, old = self.sides(free)
        edges = candidates(
            self.pool,
            young,
            old,
            self.policy,
            k=self.policy.max_candidates,
            forbidden=forbidden[0],
            chains=self.chains(),
            either_way=either_way,
        )
        if len(edges) == 0:
            return edges
        if either_way:
            chosen = greedy(edges.young, edges.old, edges.score, left_cap=free, right_cap=free)
        else:
            chosen = assign(
                edges.young, edges.old, edges.score, left_cap=free, right_cap=free
            ).chosen
        picked = edges.take(chosen)
        np.subtract.at(free, picked.young, 1)
        np.subtract.at(free, picked.old, 1)
        forbidden[0] = np.union1d(forbidden[0], vectors.pair_key(picked.young, picked.old))
        return picked

    # -- helpers used by repair ----------------------------------------------------------------
    def sides(self, free: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        rows = np.flatnonzero(free > 0)
        younger = self.pool.birth[rows] > (self._split or 0)
        return rows[younger], rows[~younger]

    def chains(self) -> vectors.Chains:
        """Who is in whose management line, by pool row."""
        if self._chains is None:
            pool = self.pool
            parent = np.full(pool.used, -1, np.int64)
            for person_id, row in pool.row_of.items():
                manager = self._manager_of.get(person_id)
                if manager is not None and manager in pool.row_of:
                    parent[row] = pool.row_of[manager]
            self._chains = vectors.Chains(parent)
        return self._chains

    def allowed(self, row: int, other: int) -> bool:
        """Not blocked, not locked together, not in each other's management line."""
        a, b = self.pool.people[row], self.pool.people[other]
        if a is None or b is None:
            return False
        key = frozenset((a.id, b.id))
        if key in self._blocked or key in self._locks:
            return False
        return not (reports_to(a, b.id, self._manager_of) or reports_to(b, a.id, self._manager_of))

    def _forbidden(self) -> np.ndarray:
        rows = self.pool.row_of
        pairs = [
            (rows[a], rows[b])
            for a, b in (tuple(k) for k in self._blocked | set(self._locks))
            if a in rows and b in rows
        ]
        if not pairs:
            return np.zeros(0, np.int64)
        a, b = np.array(pairs, np.int64).T
        return np.unique(vectors.pair_key(a, b))

    def _in_pool(self, person_id: str) -> bool:
        row = self.pool.row_of.get(person_id)
        return row is not None and bool(self.pool.active[row])

    def _loss_too_high(self) -> bool:
        locked = len(self._locks) or 1
        return self.estimated_loss > self.policy.resolve_loss_threshold * locked

    def _lock_violation(self, younger: str, older: str) -> str | None:
        people = []
        for person_id in (younger, older):
            row = self.pool.row_of.get(person_id)
            person = self.pool.people[row] if row is not None else None
            if person is None:
                return f"{person_id} is no longer in the program"
            people.append(person)
        return pair_violation(
            people[0], people[1], self.policy, manager_of=self._manager_of, blocked=set()
        )

    def _explained(self, pairs: list[tuple[int, int]]) -> list[ScoredPair]:
        people = self.pool.people
        out: list[ScoredPair] = []
        for y, o in pairs:
            py, po = people[y], people[o]
            if py is None or po is None:
                continue
            scored = score_people(py, po, self.policy)
            if scored is not None:
                out.append(scored)
        out.sort(key=lambda p: (-p.score, p.younger_id, p.older_id))
        self._offered = [frozenset((p.younger_id, p.older_id)) for p in out]
        return out


def _balanced_split(birth: np.ndarray, free: np.ndarray) -> int:
    """The birth year that splits the free capacity most evenly into those born after it (the
    younger side) and the others."""
    have = free > 0
    if not have.any():
        return 0
    years, at = np.unique(birth[have], return_inverse=True)
    older = np.cumsum(np.bincount(at, weights=free[have]))
    return int(years[np.argmin(np.abs(older[-1] - 2 * older))])
