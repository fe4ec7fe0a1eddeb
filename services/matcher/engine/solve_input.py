"""What a solve reads of one program's matching state, fixed when it starts.

The engine builds one `SolveInput` and hands it to `rounds` (a full solve) and `repair` (a local
one): they compute new pairs from it and never call back into the engine, which alone decides
what to do with them. The pair sets are the engine's own, read-only here: nothing changes them
while a solve runs.
"""

from collections.abc import Set
from dataclasses import dataclass

import numpy as np

from services.matcher.core.policy import Policy
from services.matcher.engine import vectors
from services.matcher.engine.locks import Pair
from services.matcher.engine.management import Chains, Management
from services.matcher.engine.pool import Pool
from services.matcher.solver.arrays import Ints


@dataclass(frozen=True)
class SolveInput:
    pool: Pool
    policy: Policy
    free: Ints
    """Unlocked capacity per pool row (0 for people not in the pool); copy it to spend it."""
    blocked: Set[Pair]
    """Declined, cancelled or ended: never proposed again."""
    locked: Set[Pair]
    """Existing pairs: never proposed twice."""
    management: Management

    def chains(self) -> Chains:
        """Who is in whose management line, by pool row."""
        return self.management.chains(self.pool.row_of, self.pool.used)

    def forbidden_keys(self) -> Ints:
        """Sorted pair keys of blocked and locked pairs (see `vectors.pair_key`)."""
        rows = self.pool.row_of
        pairs = [
            (rows[a], rows[b])
            for a, b in (tuple(k) for k in self.blocked | self.locked)
            if a in rows and b in rows
        ]
        if not pairs:
            return np.zeros(0, np.int64)
        a, b = np.array(pairs, np.int64).T
        return np.unique(vectors.pair_key(a, b))

    def allowed(self, row: int, other: int) -> bool:
        """Not blocked, not locked together, not in each other's management line."""
        a, b = self.pool.people[row], self.pool.people[other]
        if a is None or b is None:
            return False
        key = frozenset((a.id, b.id))
        if key in self.blocked or key in self.locked:
            return False
        return not self.management.related(a, b)
