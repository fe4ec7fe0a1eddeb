"""Reference paths the tests check the matcher against, which the service itself never takes: one
pair scored or checked at a time from two profiles (the scalar rules of `scoring`), everyone's
best candidates of a pool, and the rows a pool holds."""

from collections.abc import Mapping, Set
from datetime import date

import numpy as np

from services.matcher.core.features import Person, person_of
from services.matcher.core.policy import Policy
from services.matcher.core.scoring import (
    ScoredPair,
    explained,
    pair_violation,
    person_violation,
    terms,
)
from services.matcher.engine.candidates import Edges, best, feasible
from services.matcher.engine.management import Chains
from services.matcher.engine.pool import Pool
from services.matcher.solver.arrays import Ints
from shared.availability import coming_monday
from shared.profile import Profile


def score_people(a: Person, b: Person, policy: Policy) -> ScoredPair | None:
    """The scored pair (younger first), or None when a person-level constraint fails or, under
    `require_two_way`, one of them would teach the other nothing wanted."""
    if person_violation(a, b, policy) is not None:
        return None
    younger, older = (a, b) if a.birth_year > b.birth_year else (b, a)
    t = terms(younger, older, policy)
    if policy.require_two_way and t.complementarity <= 0:
        return None
    return explained(younger, older, policy, t)


def score_pair(
    a: Profile, b: Profile, policy: Policy, *, week_of: date | None = None
) -> ScoredPair | None:
    """The pair scored and explained, younger first by birth year; None if a constraint fails
    (the management line and past pairs are checked by `violation`)."""
    week = week_of or coming_monday(date.today())
    return score_people(person_of(a, week), person_of(b, week), policy)


def violation(
    a: Profile,
    b: Profile,
    policy: Policy,
    *,
    manager_of: Mapping[str, str | None],
    blocked: Set[frozenset[str]],
    week_of: date | None = None,
) -> str | None:
    """None when every hard constraint holds, else a readable reason. Availability is compared
    in the UTC week of `week_of` (default: the coming week)."""
    week = week_of or coming_monday(date.today())
    pa, pb = person_of(a, week), person_of(b, week)
    return pair_violation(pa, pb, policy, manager_of=manager_of, blocked=blocked)


def candidates(
    pool: Pool,
    young: Ints,
    old: Ints,
    policy: Policy,
    *,
    k: int,
    forbidden: Ints,
    chains: Chains,
    either_way: bool = False,
) -> Edges:
    """The best `k` feasible partners of everyone in `young` among `old` and vice versa (see
    `feasible`)."""
    edges = feasible(
        pool, young, old, policy, forbidden=forbidden, chains=chains, either_way=either_way
    )
    return edges.take(best(edges, edges.score, k))


def pool_rows(pool: Pool) -> Ints:
    """Rows of everyone stored (active or not)."""
    return np.fromiter(pool.row_of.values(), np.int64, len(pool.row_of))
