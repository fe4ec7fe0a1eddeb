"""Candidate generation finds exactly the feasible pairs, scored as `scoring` scores them, and
keeps everyone's best."""

import random

import numpy as np
import pytest

from services.matcher.core.features import person_of
from services.matcher.core.policy import Policy
from services.matcher.engine.management import Chains
from services.matcher.engine.pool import Pool
from tests.builders.matcher import WEEK, random_profile
from tests.unit.matcher.reference import candidates, pool_rows, score_people


def pool_of(seed: int, n: int, **fields: object) -> tuple[Pool, np.ndarray, np.ndarray]:
    rng = random.Random(seed)
    pool = Pool(size=4)
    for i in range(n):
        pool.put(person_of(random_profile(rng, f"s{seed}-{i}", **fields), WEEK))
    rows = pool_rows(pool)
    split = int(np.median(pool.birth[rows]))
    return pool, rows[pool.birth[rows] > split], rows[pool.birth[rows] <= split]


def brute_force(pool: Pool, young: np.ndarray, old: np.ndarray, policy: Policy) -> dict:
    found = {}
    for y in young.tolist():
        for o in old.tolist():
            py, po = pool.people[y], pool.people[o]
            assert py is not None and po is not None
            scored = score_people(py, po, policy)
            if scored is not None:
                found[(y, o)] = scored.score
    return found


def generated(pool: Pool, young: np.ndarray, old: np.ndarray, policy: Policy, k: int) -> dict:
    none = np.zeros(0, np.int64)
    chains = Chains(np.full(pool.used, -1))
    edges = candidates(pool, young, old, policy, k=k, forbidden=none, chains=chains)
    return dict(
        zip(
            zip(edges.young.tolist(), edges.old.tolist(), strict=True),
            edges.score.tolist(),
            strict=True,
        )
    )


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("two_way", [True, False])
def test_every_feasible_pair_is_found_with_its_exact_score(seed: int, two_way: bool) -> None:
    policy = Policy(require_two_way=two_way)
    pool, young, old = pool_of(seed, 60)

    expected = brute_force(pool, young, old, policy)
    found = generated(pool, young, old, policy, k=10_000)

    assert expected  # the samples do have feasible pairs
    assert found.keys() == expected.keys()
    assert all(found[pair] == expected[pair] for pair in expected)


def test_more_than_64_skills_still_match_exactly() -> None:
    rng = random.Random(5)
    pool, young, old = pool_of(11, 50)
    for i in range(80):  # widen the skill vocabulary past one 64-bit word
        extra = random_profile(
            rng, f"wide-{i}", skills_offered={"extras": [f"skill {i}", "Excel"]}, opted_in=False
        )
        pool.put(person_of(extra, WEEK))
    assert pool.skills.words > 1

    policy = Policy()
    assert generated(pool, young, old, policy, k=10_000) == brute_force(pool, young, old, policy)


@pytest.mark.parametrize("k", [1, 3])
def test_each_person_keeps_at_least_their_k_best_partners(k: int) -> None:
    policy = Policy()
    pool, young, old = pool_of(3, 80)
    everything = brute_force(pool, young, old, policy)
    kept = generated(pool, young, old, policy, k=k)

    assert set(kept) <= set(everything)
    for side in (0, 1):
        people = {pair[side] for pair in everything}
        for person in people:
            theirs = sorted((s for p, s in everything.items() if p[side] == person), reverse=True)
            mine = sorted((s for p, s in kept.items() if p[side] == person), reverse=True)
            assert mine[:k] == theirs[:k]


def test_forbidden_pairs_and_management_lines_are_left_out() -> None:
    policy = Policy()
    pool, young, old = pool_of(4, 60)
    everything = brute_force(pool, young, old, policy)
    (y1, o1), (y2, o2) = list(everything)[:2]
    parent = np.full(pool.used, -1)
    parent[y2] = o2  # y2 now reports to o2
    forbidden = np.array([(min(y1, o1) << 32) | max(y1, o1)], np.int64)

    edges = candidates(
        pool, young, old, policy, k=10_000, forbidden=forbidden, chains=Chains(parent)
    )
    found = set(zip(edges.young.tolist(), edges.old.tolist(), strict=True))

    assert found == set(everything) - {(y1, o1), (y2, o2)}


def test_management_chains_hold_through_cycles_and_several_levels() -> None:
    # 0 <- 1 <- 2 (2 reports to 1, 1 to 0); 3 <-> 4 report to each other; 5 reports to 4.
    parent = np.array([-1, 0, 1, 4, 3, 4, -1])
    chains = Chains(parent)
    related = {
        (a, b)
        for a in range(7)
        for b in range(7)
        if a != b and chains.related(np.array([a]), np.array([b]))[0]
    }

    expected = {(0, 1), (0, 2), (1, 2), (3, 4), (3, 5), (4, 5)}
    assert related == expected | {(b, a) for a, b in expected}


@pytest.mark.parametrize("seed", range(4))
def test_either_way_finds_every_feasible_pair_within_one_set(seed: int) -> None:
    policy = Policy()
    pool, young, old = pool_of(seed + 20, 50)
    everyone = np.sort(np.concatenate([young, old]))
    expected = {}
    for i, a in enumerate(everyone.tolist()):
        for b in everyone.tolist()[i + 1 :]:
            pa, pb = pool.people[a], pool.people[b]
            assert pa is not None and pb is not None
            scored = score_people(pa, pb, policy)
            if scored is not None:
                rows = {pa.id: a, pb.id: b}
                expected[(rows[scored.younger_id], rows[scored.older_id])] = scored.score

    edges = candidates(
        pool,
        everyone,
        everyone,
        policy,
        k=10_000,
        forbidden=np.zeros(0, np.int64),
        chains=Chains(np.full(pool.used, -1)),
        either_way=True,
    )
    found = dict(
        zip(
            zip(edges.young.tolist(), edges.old.tolist(), strict=True),
            edges.score.tolist(),
            strict=True,
        )
    )

    assert found == expected
