"""The matching state of one program, in memory: who is in the pool, which pairs exist (locked:
they use capacity and are never broken to raise the total), which may never be proposed again
(blocked), and which new pairs to propose.

A full solve (`general`) pairs the free capacity optimally over every feasible pair, whatever
the ages; an optimal matching leaves no two free people who could be paired. That invariant
makes a change cheap: only pairs touching the people changed or freed since the last
proposal can be new, so `propose` scores just those people against every free person and takes
the best pairs (`repair`), which is exact for a single change. When several changed people
compete for the same partners the repair may fall short; it estimates by how much, and once the
estimate passes `Policy.resolve_loss_threshold` (a fraction of what the locked pairs could score
at most), or a burst changes many people at once, `propose` solves fully instead.

Both solves read one `SolveInput` taken from this state and return pairs of pool rows; they never
call back here, and only the engine changes its state.
"""

import time
from datetime import date

from services.matcher.core.features import person_of
from services.matcher.core.policy import Policy
from services.matcher.core.scoring import ScoredPair, pair_violation
from services.matcher.engine.general import solve_general
from services.matcher.engine.locks import Locks, Pair
from services.matcher.engine.management import Management
from services.matcher.engine.plan import explain_rows
from services.matcher.engine.pool import Pool
from services.matcher.engine.repair import neighbourhood
from services.matcher.engine.rounds import SolveStats
from services.matcher.engine.solve_input import SolveInput
from shared.availability import coming_monday, monday_of
from shared.profile import Profile

BURST = 256
"""More changed people than this since the last proposal get a full solve."""


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
        self.locks = Locks()
        self.management = Management()
        self._blocked: set[Pair] = set()
        self._changed: set[str] = set()  # may have new pairs since the last proposal
        self._offered: set[Pair] = set()  # the last proposals not locked yet
        self._solved = False

    # -- changes -------------------------------------------------------------------------------
    def upsert(self, person: Profile) -> None:
        """Add or replace a person; opted_in False keeps them out of the pool (but in the
        management chains)."""
        p = person_of(person, self.week)
        joined = p.id not in self.pool.row_of
        if joined or self.management.manager_of.get(p.id) != p.manager_id:
            self.locks.check_again(self.management.link(p.id, p.manager_id, joined=joined))
        row = self.pool.put(p)
        self.pool.held[row] = self.locks.held[p.id]
        self.locks.check_again([p.id])
        self._forget_offers(p.id)
        self._changed.add(p.id)

    def remove(self, person_id: str) -> None:
        if self.pool.drop(person_id) is not None:
            self.management.unlink(person_id)
        self.locks.check_again([person_id])
        self._forget_offers(person_id)
        self._changed.discard(person_id)

    def lock(self, younger_id: str, older_id: str) -> None:
        """An existing proposed or active pair: uses capacity, never broken to raise the total."""
        key = frozenset((younger_id, older_id))
        if self.locks.add(younger_id, older_id):
            self._recount(younger_id, older_id)
            if key in self._offered:  # just checked: only later changes can break it
                self._offered.discard(key)
                self.locks.suspect.discard(key)

    def unlock(self, younger_id: str, older_id: str) -> None:
        if self.locks.remove(younger_id, older_id):
            self._recount(younger_id, older_id)
            self._changed |= {younger_id, older_id}

    def block(self, a_id: str, b_id: str) -> None:
        """Declined, cancelled or ended: never proposed again."""
        self._blocked.add(frozenset((a_id, b_id)))

    # -- questions -----------------------------------------------------------------------------
    def broken_locks(self) -> list[tuple[str, str, str]]:
        """Locked pairs whose hard constraints no longer hold, as (younger, older, reason); a
        pair is reported until it is unlocked."""
        broken = []
        for key in sorted(self.locks.suspect, key=sorted):
            younger, older = self.locks.pairs[key]
            reason = self._lock_violation(younger, older)
            if reason is None:
                self.locks.suspect.discard(key)
            else:
                broken.append((younger, older, reason))
        return broken

    def solve_input(self) -> SolveInput:
        """What a solve reads of this state, as it is now (see `solve_input`)."""
        return SolveInput(
            self.pool,
            self.policy,
            self.pool.free(),
            self._blocked,
            self.locks.pairs.keys(),
            self.management,
        )

    @property
    def pending(self) -> bool:
        """Whether `propose` may find new pairs: people joined, changed or were freed since
        the last proposal, or proposals were not taken up."""
        return bool(self._offered) or any(self._in_pool(p) for p in self._changed)

    # -- proposals -----------------------------------------------------------------------------
    def propose(self) -> list[ScoredPair]:
        """New pairs to propose now (the caller then locks the ones it opens)."""
        for key in self._offered:
            self._changed |= key  # offered but not taken up: consider them again
        changed = [p for p in self._changed if self._in_pool(p)]
        if not self._solved or len(changed) > BURST or self._loss_too_high():
            return self.solve_full()
        self._changed.clear()
        result = neighbourhood(self.solve_input(), changed)
        self.estimated_loss += result.missed
        return self._explained(result.pairs)

    def solve_full(self) -> list[ScoredPair]:
        """A full optimal re-solve of the free capacity over every feasible pair (see
        `general`)."""
        self.last_solve = SolveStats()
        found = solve_general(self.solve_input(), self.last_solve)
        self._changed.clear()
        self._solved, self.estimated_loss = True, 0.0
        started = time.perf_counter()
        pairs = self._explained(found)
        self.last_solve.explain_seconds = time.perf_counter() - started
        return pairs

    # -- internals -----------------------------------------------------------------------------
    def _forget_offers(self, person_id: str) -> None:
        """A proposal made before this change is checked again if it is locked later."""
        gone = {key for key in self._offered if person_id in key}
        self._offered -= gone
        for key in gone:
            self._changed |= key

    def _recount(self, *people: str) -> None:
        for person_id in people:
            row = self.pool.row_of.get(person_id)
            if row is not None:
                self.pool.held[row] = self.locks.held[person_id]

    def _in_pool(self, person_id: str) -> bool:
        row = self.pool.row_of.get(person_id)
        return row is not None and bool(self.pool.active[row])

    def _loss_too_high(self) -> bool:
        best = self.policy.weight_complementarity + self.policy.weight_overlap
        best += self.policy.weight_gap
        limit = self.policy.resolve_loss_threshold * best * max(len(self.locks.pairs), 1)
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
            people[0], people[1], self.policy, manager_of=self.management.manager_of, blocked=set()
        )

    def _explained(self, pairs: list[tuple[int, int, int]]) -> list[ScoredPair]:
        out = explain_rows(self.pool.people, self.policy, pairs)
        self._offered = {frozenset((p.younger_id, p.older_id)) for p in out}
        return out
