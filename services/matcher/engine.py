"""The matching state of one program, in memory: who is in the pool, which pairs exist (locked:
they use capacity and are never broken to raise the total), which may never be proposed again
(blocked), and which new pairs to propose.

A full solve (`rounds`) pairs the free capacity optimally, younger side against older side, and
then pairs whoever is left in any order of age until no two free people could be paired. That
invariant makes a change cheap: only pairs touching the people changed or freed since the last
proposal can be new, so `propose` scores just those people against every free person and takes
the best pairs (`repair`), which is exact for a single change. When several changed people
compete for the same partners the repair may fall short; it estimates by how much, and once the
estimate passes `Policy.resolve_loss_threshold` (a fraction of what the locked pairs could score
at most), or a burst changes many people at once, `propose` solves fully instead.
"""

import time
from collections import Counter, defaultdict
from datetime import date

import numpy as np

from shared.profile import Profile

from . import vectors
from .availability import coming_monday, monday_of
from .features import person_of
from .policy import Policy
from .pool import Pool
from .repair import neighbourhood
from .rounds import SolveStats, solve_free
from .scoring import ScoredPair, explained, pair_violation, reports_to

BURST = 256
"""More changed people than this since the last proposal get a full solve."""

Pair = frozenset[str]


class MatchingEngine:
    """Matching state of ONE program, in memory."""

    def __init__(self, policy: Policy, *, week_of: date | None = None, size: int = 1024) -> None:
        """Availability is compared in the UTC week of `week_of` (default: the coming week);
        `size` is how many people to make room for at first."""
        self.policy = policy
        self.week = monday_of(week_of) if week_of else coming_monday(date.today())
        self.pool = Pool(size)
        self.last_solve = SolveStats()
        self.estimated_loss = 0.0
        self._locks: dict[Pair, tuple[str, str]] = {}
        self._locks_of: defaultdict[str, set[Pair]] = defaultdict(set)
        self._held: Counter[str] = Counter()
        self._blocked: set[Pair] = set()
        self._manager_of: dict[str, str | None] = {}
        self._reports: defaultdict[str, set[str]] = defaultdict(set)
        self._changed: set[str] = set()  # may have new pairs since the last proposal
        self._suspect: set[Pair] = set()  # locks to check in broken_locks
        self._offered: list[Pair] = []  # the last proposals, until locked
        self._solved = False
        self._chains: vectors.Chains | None = None

    # -- changes -------------------------------------------------------------------------------
    def upsert(self, person: Profile) -> None:
        """Add or replace a person; opted_in False keeps them out of the pool (but in the
        management chains)."""
        p = person_of(person, self.week)
        new = p.id not in self.pool.row_of
        if new or self._manager_of.get(p.id) != p.manager_id:
            self._chains = None
            self._relink(p.id, p.manager_id, joined=new)
        row = self.pool.put(p)
        self.pool.held[row] = self._held[p.id]
        self._suspect |= self._locks_of[p.id]
        self._changed.add(p.id)

    def remove(self, person_id: str) -> None:
        if self.pool.drop(person_id) is not None:
            self._chains = None
            self._reports[self._manager_of.pop(person_id, None) or ""].discard(person_id)
        self._suspect |= self._locks_of[person_id]
        self._changed.discard(person_id)

    def lock(self, younger_id: str, older_id: str) -> None:
        """An existing proposed or active pair: uses capacity, never broken to raise the total."""
        key = frozenset((younger_id, older_id))
        if key in self._locks:
            return
        self._locks[key] = (younger_id, older_id)
        for person_id in key:
            self._locks_of[person_id].add(key)
            self._count(person_id, +1)
        self._suspect.add(key)

    def unlock(self, younger_id: str, older_id: str) -> None:
        key = frozenset((younger_id, older_id))
        if self._locks.pop(key, None) is not None:
            for person_id in key:
                self._locks_of[person_id].discard(key)
                self._count(person_id, -1)
                self._changed.add(person_id)
        self._suspect.discard(key)

    def block(self, a_id: str, b_id: str) -> None:
        """Declined, cancelled or ended: never proposed again."""
        self._blocked.add(frozenset((a_id, b_id)))

    # -- questions -----------------------------------------------------------------------------
    def broken_locks(self) -> list[tuple[str, str, str]]:
        """Locked pairs whose hard constraints no longer hold, as (younger, older, reason); a
        pair is reported until it is unlocked."""
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
        return self.pool.free()

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
        result = neighbourhood(self, changed)
        self.estimated_loss += result.missed
        return self._explained(result.pairs)

    def solve_full(self) -> list[ScoredPair]:
        """A full optimal re-solve of the free capacity (see `rounds`)."""
        self.last_solve = SolveStats()
        found = solve_free(self, self.last_solve)
        self._changed.clear()
        self._solved, self.estimated_loss = True, 0.0
        started = time.perf_counter()
        pairs = self._explained(found)
        self.last_solve.explain_seconds = time.perf_counter() - started
        return pairs

    # -- for rounds and repair -----------------------------------------------------------------
    def chains(self) -> vectors.Chains:
        """Who is in whose management line, by pool row."""
        if self._chains is None:
            rows = self.pool.row_of
            parent = np.full(self.pool.used, -1, np.int64)
            for person_id, row in rows.items():
                manager = self._manager_of.get(person_id)
                if manager is not None and manager in rows:
                    parent[row] = rows[manager]
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

    def forbidden_keys(self) -> np.ndarray:
        """Sorted pair keys of blocked and locked pairs (see `vectors.pair_key`)."""
        rows = self.pool.row_of
        pairs = [
            (rows[a], rows[b])
            for a, b in (tuple(k) for k in self._blocked | self._locks.keys())
            if a in rows and b in rows
        ]
        if not pairs:
            return np.zeros(0, np.int64)
        a, b = np.array(pairs, np.int64).T
        return np.unique(vectors.pair_key(a, b))

    # -- internals -----------------------------------------------------------------------------
    def _relink(self, person_id: str, manager_id: str | None, *, joined: bool) -> None:
        """Record a new manager link. It can put two other people in one management line only
        through this person's reports, so only their locks need checking again."""
        self._reports[self._manager_of.get(person_id) or ""].discard(person_id)
        self._manager_of[person_id] = manager_id
        self._reports[manager_id or ""].add(person_id)
        if joined and not self._reports.get(person_id):
            return  # a newcomer nobody reports to links nobody
        for member in self._team(person_id):
            self._suspect |= self._locks_of[member]

    def _team(self, person_id: str) -> set[str]:
        """The person and everyone below them (cycles are walked once)."""
        team, todo = {person_id}, [person_id]
        while todo:
            for report in self._reports.get(todo.pop(), ()):
                if report not in team:
                    team.add(report)
                    todo.append(report)
        return team

    def _count(self, person_id: str, step: int) -> None:
        self._held[person_id] += step
        row = self.pool.row_of.get(person_id)
        if row is not None:
            self.pool.held[row] = self._held[person_id]

    def _in_pool(self, person_id: str) -> bool:
        row = self.pool.row_of.get(person_id)
        return row is not None and bool(self.pool.active[row])

    def _loss_too_high(self) -> bool:
        best = self.policy.weight_complementarity + self.policy.weight_overlap
        best += self.policy.weight_gap
        limit = self.policy.resolve_loss_threshold * best * max(len(self._locks), 1)
        return self.estimated_loss > limit

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
        out = []
        for y, o in pairs:
            py, po = people[y], people[o]
            if py is not None and po is not None:
                out.append(explained(py, po, self.policy))
        out.sort(key=lambda p: (-p.score, p.younger_id, p.older_id))
        self._offered = [frozenset((p.younger_id, p.older_id)) for p in out]
        return out
