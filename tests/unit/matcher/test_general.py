"""A full solve is the optimal b-matching over every feasible pair, whatever the ages: exact
against a brute force and an integer program built without the engine, beyond what the
younger-against-older split reaches; locked pairs and capacities hold."""

import random
from collections import Counter
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from services.matcher.core.policy import Policy
from services.matcher.core.scoring import ScoredPair
from services.matcher.engine.engine import MatchingEngine
from services.matcher.engine.general import solve_general
from services.matcher.engine.rounds import SolveStats, solve_free
from shared.profile import ProfileSnapshot
from tests.builders.matcher import WEEK, profile, random_profile, sample_programs
from tests.unit.matcher.optimum import brute_force, every_pair, integer_optimum


def engine_with(people: list[ProfileSnapshot], policy: Policy | None = None) -> MatchingEngine:
    engine = MatchingEngine(policy or Policy(), week_of=WEEK, size=2)
    for person in people:
        engine.upsert(person)
    return engine


def total(pairs: list[ScoredPair]) -> float:
    return sum(p.score for p in pairs)


def named(engine: MatchingEngine, rows: list[tuple[int, int, int]]) -> list[tuple[str, str]]:
    """Pairs of pool rows as pairs of person ids."""
    people = engine.pool.people
    found = []
    for y, o, _ in rows:
        py, po = people[y], people[o]
        assert py is not None and po is not None
        found.append((py.id, po.id))
    return found


def capacity(people: list[ProfileSnapshot]) -> dict[str, int]:
    return {p.id: p.max_pairings if p.opted_in else 0 for p in people}


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 10**6), st.integers(3, 8))
def test_a_full_solve_is_the_brute_force_optimum_of_small_programs(seed: int, n: int) -> None:
    rng = random.Random(seed)
    policy = Policy(require_two_way=False, min_birth_year_gap=5)  # many pairs, any ages
    people = [random_profile(rng, f"bf{seed}-{i}") for i in range(n)]
    optimum = brute_force(every_pair(people, policy, week=WEEK), capacity(people))

    engine = engine_with(people, policy)
    split = SolveStats()
    solve_free(engine.solve_input(), split)
    found = engine.solve_full()

    assert abs(total(found) - optimum) < 1e-9
    assert total(found) >= sum(r.total for r in split.rounds) - 1e-9
    large = SolveStats()
    solve_general(engine.solve_input(), large, exact_up_to=0)  # the large-program path
    assert large.rounds[0].total <= optimum + 1e-9


def test_people_on_both_sides_of_the_split_are_paired_where_the_split_cannot() -> None:
    # Born 1960, 1975, 1990 and 2005, the split falls at 1975. Languages allow only 1960 with
    # 1975, 1975 with 1990 (the one pair across the split), and 1990 with 2005.
    policy = Policy(min_birth_year_gap=15)
    teach: dict[str, Any] = {"skills_offered": ["leadership"], "skills_wanted": ["social_media"]}
    learn: dict[str, Any] = {"skills_offered": ["social_media"], "skills_wanted": ["leadership"]}
    people = [
        profile("g-1960", birth_year=1960, department="A", languages=["de"], **teach),
        profile("g-1975", birth_year=1975, department="B", languages=["de", "en"], **learn),
        profile("g-1990", birth_year=1990, department="C", languages=["en", "fr"], **teach),
        profile("g-2005", birth_year=2005, department="D", languages=["fr"], **learn),
    ]
    engine = engine_with(people, policy)
    split = SolveStats()
    solve_free(engine.solve_input(), split)

    found = engine.solve_full()

    assert {(p.younger_id, p.older_id) for p in found} == {
        ("g-1975", "g-1960"),
        ("g-2005", "g-1990"),
    }
    assert total(found) > sum(r.total for r in split.rounds)


def test_on_the_shipped_sample_a_full_solve_reaches_the_exact_optimum_of_every_program() -> None:
    for program, people in sample_programs().items():
        optimum = integer_optimum(every_pair(people, Policy(), week=WEEK), capacity(people))

        found = engine_with(people).solve_full()

        assert total(found) >= 0.999 * optimum, program
        assert total(found) <= optimum + 1e-6, program


def test_on_the_shipped_sample_the_split_falls_short_of_the_optimum() -> None:
    short = []
    for people in sample_programs().values():
        engine = engine_with(people)
        split = SolveStats()
        solve_free(engine.solve_input(), split)
        short.append(sum(r.total for r in split.rounds) < total(engine.solve_full()) - 1e-6)

    assert any(short)


def test_locked_pairs_keep_their_capacity_and_are_never_proposed_again_on_either_path() -> None:
    rng = random.Random(31)
    people = [random_profile(rng, f"lk-{i}") for i in range(150)]
    engine = engine_with(people[:100])
    first = engine.solve_full()
    locked = first[::2]
    for p in locked:
        engine.lock(p.younger_id, p.older_id)
    for person in people[100:]:
        engine.upsert(person)

    large = named(engine, solve_general(engine.solve_input(), SolveStats(), exact_up_to=0))
    second = engine.solve_full()

    keys = {frozenset((p.younger_id, p.older_id)) for p in locked}
    limit = {p.id: p.max_pairings for p in people}
    for found in ([(p.younger_id, p.older_id) for p in second], large):
        assert not keys & {frozenset(pair) for pair in found}
        held = Counter(
            i for pair in [*found, *((p.younger_id, p.older_id) for p in locked)] for i in pair
        )
        assert all(held[i] <= limit[i] for i in held)
    uses = Counter(i for key in keys for i in key)
    free = {i: limit[i] - uses[i] for i in limit}
    optimum = integer_optimum(every_pair(people, Policy(), week=WEEK, taken=keys), free)
    assert abs(total(second) - optimum) < 1e-6


def test_capacities_hold_on_the_large_program_path() -> None:
    rng = random.Random(5)
    people = [random_profile(rng, f"cp-{i}") for i in range(400)]
    engine = engine_with(people)
    exact = engine.solve_full()

    found = solve_general(engine.solve_input(), SolveStats(), exact_up_to=0)

    held = Counter(row for y, o, _ in found for row in (y, o))
    pool = engine.pool
    assert all(held[row] <= pool.capacity[row] for row in held)
    assert len({frozenset((y, o)) for y, o, _ in found}) == len(found)
    assert len(found) > 0.95 * len(exact)
