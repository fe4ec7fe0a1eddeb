"""The engine of one program: proposals respect capacity, locks and blocks; broken locks are
reported with their reason; local repair after single changes stays as good as a full solve."""

import gc
import random
from collections import Counter

import numpy as np

from services.matcher.core.policy import Policy
from services.matcher.core.scoring import ScoredPair
from services.matcher.engine.engine import MatchingEngine
from tests.builders.matcher import WEEK, old, random_profile, unique_id, young
from tests.unit.matcher.reference import score_pair, score_people


def engine_with(*people: object) -> MatchingEngine:
    engine = MatchingEngine(Policy(), week_of=WEEK, size=2)  # grows as people arrive
    for person in people:
        engine.upsert(person)  # type: ignore[arg-type]
    return engine


def pairs(proposals: list[ScoredPair]) -> set[tuple[str, str]]:
    return {(p.younger_id, p.older_id) for p in proposals}


def lock_all(engine: MatchingEngine, proposals: list[ScoredPair]) -> None:
    for p in proposals:
        engine.lock(p.younger_id, p.older_id)


def test_a_complementary_pair_is_proposed_with_its_explanation() -> None:
    a, b = young(name="Ada"), old(name="Bernd")
    engine = engine_with(a, b)

    proposals = engine.propose()

    assert pairs(proposals) == {(a.id, b.id)}
    expected = score_pair(a, b, Policy(), week_of=WEEK)
    assert expected is not None
    assert proposals[0].score == expected.score
    assert proposals[0].explanation == expected.explanation


def test_nobody_is_proposed_beyond_their_capacity() -> None:
    mentor = old(max_pairings=2)
    learners = [young() for _ in range(4)]
    engine = engine_with(mentor, *learners)

    proposals = engine.propose()

    assert len(proposals) == 2
    assert all(p.older_id == mentor.id for p in proposals)


def test_locked_pairs_use_capacity_and_are_never_proposed_again() -> None:
    a, b, c = young(), old(max_pairings=2), young()
    engine = engine_with(a, b)
    first = engine.propose()
    lock_all(engine, first)

    engine.upsert(c)
    second = engine.propose()

    assert pairs(second) == {(c.id, b.id)}
    lock_all(engine, second)
    engine.upsert(young())
    assert engine.propose() == []


def test_a_better_newcomer_never_breaks_an_existing_pair() -> None:
    a = young(skills_offered=["social_media"], skills_wanted=["leadership"])
    b = old(skills_offered=["leadership", "strategy"], skills_wanted=["social_media", "ai_tools"])
    engine = engine_with(a, b)
    lock_all(engine, engine.propose())

    engine.upsert(
        young(skills_offered=["social_media", "ai_tools"], skills_wanted=["leadership", "strategy"])
    )

    assert engine.propose() == []
    assert engine.broken_locks() == []


def test_a_blocked_pair_is_never_proposed() -> None:
    a, b = young(), old()
    engine = engine_with(a, b)
    engine.block(a.id, b.id)

    assert engine.propose() == []
    engine.upsert(young(a.id, name="Changed"))
    assert engine.propose() == []


def test_a_declined_pair_frees_both_for_someone_else() -> None:
    a, b, c = young(), old(), old()
    engine = engine_with(a, b)
    lock_all(engine, engine.propose())
    engine.upsert(c)
    assert engine.propose() == []  # c has nobody free

    engine.unlock(a.id, b.id)
    engine.block(a.id, b.id)

    assert pairs(engine.propose()) == {(a.id, c.id)}


def test_proposals_not_taken_up_are_offered_again() -> None:
    a, b = young(), old()
    engine = engine_with(a, b)
    first = engine.propose()

    assert pairs(engine.propose()) == pairs(first)


def test_a_reorg_into_one_department_breaks_the_lock() -> None:
    a, b = young(department="Sales"), old(department="Finance")
    engine = engine_with(a, b)
    lock_all(engine, engine.propose())

    engine.upsert(old(b.id, department="sales"))

    assert engine.broken_locks() == [(a.id, b.id, "same department (Sales)")]


def test_removing_the_only_shared_language_breaks_the_lock() -> None:
    a, b = young(languages=["en", "de"]), old(languages=["de"])
    engine = engine_with(a, b)
    lock_all(engine, engine.propose())

    engine.upsert(young(a.id, languages=["en"]))

    assert engine.broken_locks() == [(a.id, b.id, "no shared language")]


def test_opting_out_or_leaving_breaks_the_lock() -> None:
    a, b, c, d = young(), old(), young(), old()
    engine = engine_with(a, b, c, d)
    proposals = engine.propose()
    lock_all(engine, proposals)
    partner = {p.younger_id: p.older_id for p in proposals}

    engine.upsert(young(a.id, opted_in=False))
    engine.remove(c.id)

    assert engine.broken_locks() == sorted(
        [
            (a.id, partner[a.id], f"{a.id} opted out"),
            (c.id, partner[c.id], f"{c.id} is no longer in the program"),
        ],
        key=lambda t: sorted(t[:2]),
    )


def test_a_new_manager_link_between_a_pair_breaks_the_lock() -> None:
    a, b = young(), old()
    middle = young(unique_id("mid"), opted_in=False, manager_id=b.id)
    engine = engine_with(a, b, middle)
    lock_all(engine, engine.propose())

    engine.upsert(young(a.id, manager_id=middle.id))

    assert engine.broken_locks() == [(a.id, b.id, "in each other's management line")]


def test_a_broken_lock_is_reported_until_unlocked() -> None:
    a, b = young(), old()
    engine = engine_with(a, b)
    lock_all(engine, engine.propose())
    engine.upsert(old(b.id, languages=["fr"]))

    assert len(engine.broken_locks()) == 1
    assert len(engine.broken_locks()) == 1
    engine.unlock(a.id, b.id)
    assert engine.broken_locks() == []


def test_a_lock_that_holds_is_not_reported() -> None:
    a, b = young(), old()
    engine = engine_with(a, b)
    engine.lock(a.id, b.id)
    engine.upsert(young(a.id, name="Renamed"))

    assert engine.broken_locks() == []


def total(proposals: list[ScoredPair]) -> float:
    return sum(p.score for p in proposals)


def test_local_repair_after_single_changes_stays_as_good_as_a_full_solve() -> None:
    rng = random.Random(21)
    people = [random_profile(rng, f"r-{i}") for i in range(300)]
    repaired, resolved = engine_with(*people), engine_with(*people)
    lock_all(repaired, repaired.propose())
    lock_all(resolved, resolved.solve_full())
    for step in range(60):
        changed = random_profile(rng, people[rng.randrange(len(people))].id)
        for engine, solve in ((repaired, repaired.propose), (resolved, resolved.solve_full)):
            engine.upsert(changed)
            for y, o, _ in engine.broken_locks():
                engine.unlock(y, o)
                engine.block(y, o)
            lock_all(engine, solve())
        assert total(locked(repaired)) >= 0.99 * total(locked(resolved)), step


def locked(engine: MatchingEngine) -> list[ScoredPair]:
    """The locked pairs scored (valued even if they have since become one-sided)."""
    out = []
    people = {p.id: p for p in engine.pool.people if p is not None}
    for key in engine.locks.pairs:
        a, b = (people[person_id] for person_id in key)
        scored = score_people(a, b, Policy(require_two_way=False))
        assert scored is not None
        out.append(scored)
    return out


def test_capacities_hold_across_many_changes() -> None:
    rng = random.Random(3)
    people = {p.id: p for p in (random_profile(rng, f"c-{i}") for i in range(120))}
    engine = engine_with(*people.values())
    lock_all(engine, engine.propose())
    for _ in range(40):
        changed = random_profile(rng, rng.choice(list(people)))
        people[changed.id] = changed
        engine.upsert(changed)
        for y, o, _ in engine.broken_locks():
            engine.unlock(y, o)
        lock_all(engine, engine.propose())
    held = Counter(person for key in engine.locks.pairs for person in key)
    assert all(held[pid] <= people[pid].max_pairings for pid in held)


def test_a_newcomer_who_links_two_people_into_one_management_line_breaks_their_lock() -> None:
    a, b = young(), old()
    boss_id = unique_id("boss")
    a = young(a.id, manager_id=boss_id)  # reports to someone not in the program yet
    engine = engine_with(a, b)
    lock_all(engine, engine.propose())
    assert engine.broken_locks() == []

    engine.upsert(old(boss_id, manager_id=b.id, opted_in=False))

    assert engine.broken_locks() == [(a.id, b.id, "in each other's management line")]


def test_a_burst_of_changes_is_solved_fully() -> None:
    rng = random.Random(8)
    engine = engine_with(*(random_profile(rng, f"b-{i}") for i in range(40)))
    lock_all(engine, engine.propose())
    first = engine.last_solve

    for i in range(300):
        engine.upsert(random_profile(rng, f"burst-{i}"))
    lock_all(engine, engine.propose())

    assert engine.last_solve is not first


def test_a_single_change_is_repaired_without_a_full_solve() -> None:
    rng = random.Random(9)
    people = [random_profile(rng, f"s-{i}") for i in range(80)]
    engine = engine_with(*people)
    lock_all(engine, engine.propose())
    first = engine.last_solve

    engine.upsert(random_profile(rng, people[0].id))
    engine.propose()

    assert engine.last_solve is first


def test_a_burst_of_alike_newcomers_is_paired_in_full_without_a_full_solve() -> None:
    engine = engine_with(young(), old())
    lock_all(engine, engine.propose())
    first = engine.last_solve
    newcomers = [young() for _ in range(40)] + [old() for _ in range(40)]

    for person in newcomers:
        engine.upsert(person)
    proposals = engine.propose()

    # Every newcomer ranks the same few partners first: more than `max_candidates` of them
    # compete, and still all are paired.
    assert len(newcomers) // 2 > Policy().max_candidates
    assert len(proposals) == 40
    assert engine.last_solve is first


def test_changed_people_competing_for_one_partner_count_as_an_estimated_loss() -> None:
    a, b = young(), young()
    engine = engine_with(a, b)
    engine.propose()  # nobody to pair yet: the engine has solved once
    for person in (a, b, old()):
        engine.upsert(person)

    assert len(engine.propose()) == 1
    assert engine.estimated_loss > 0


def test_the_splits_first_round_is_within_a_tenth_of_a_percent_of_its_optimum_and_bounds_it() -> (
    None
):
    from scipy.optimize import linprog
    from scipy.sparse import coo_matrix

    from services.matcher.engine.candidates import feasible
    from services.matcher.engine.rounds import SolveStats, balanced_split, solve_free

    rng = random.Random(12)
    engine = engine_with(*(random_profile(rng, f"q-{i}", max_pairings=1) for i in range(1500)))
    problem = engine.solve_input()
    free = problem.free
    split = balanced_split(engine.pool.birth[: len(free)], free)
    rows = np.flatnonzero(free > 0)
    young_rows, old_rows = (
        rows[engine.pool.birth[rows] > split],
        rows[engine.pool.birth[rows] <= split],
    )
    every = feasible(
        engine.pool,
        young_rows,
        old_rows,
        engine.policy,
        forbidden=problem.forbidden_keys(),
        chains=problem.chains(),
    )
    n, m = len(free), len(every)
    incidence = coo_matrix(
        (np.ones(2 * m), (np.r_[every.young, every.old], np.r_[np.arange(m), np.arange(m)])),
        shape=(n, m),
    )
    optimum = -linprog(
        -every.score, A_ub=incidence.tocsr(), b_ub=free, bounds=(0, 1), method="highs"
    ).fun

    stats = SolveStats()
    solve_free(engine.solve_input(), stats)  # the younger-against-older split
    first = stats.rounds[0]

    assert first.kind == "optimal" and first.split == split
    assert optimum >= first.total >= 0.999 * optimum
    assert first.bound >= optimum - 1e-6


def test_after_a_full_solve_no_two_free_people_could_be_paired() -> None:
    rng = random.Random(14)
    people = [random_profile(rng, f"f-{i}") for i in range(200)]
    engine = engine_with(*people)
    lock_all(engine, engine.solve_full())

    problem = engine.solve_input()
    free = problem.free
    rows = np.flatnonzero(free > 0).tolist()
    for i, a in enumerate(rows):
        for b in rows[i + 1 :]:
            pa, pb = engine.pool.people[a], engine.pool.people[b]
            assert pa is not None and pb is not None
            assert score_people(pa, pb, engine.policy) is None or not problem.allowed(a, b)


def test_a_proposal_broken_before_it_is_locked_is_still_reported() -> None:
    a, b = young(languages=["en", "de"]), old(languages=["de"])
    engine = engine_with(a, b)
    engine.propose()
    engine.upsert(young(a.id, languages=["en"]))  # changes between the proposal and its lock

    engine.lock(a.id, b.id)

    assert engine.broken_locks() == [(a.id, b.id, "no shared language")]


def used_engine(seed: int) -> None:
    """An engine through every kind of change, then dropped."""
    rng = random.Random(seed)
    engine = engine_with(*(random_profile(rng, f"g-{i}") for i in range(60)))
    lock_all(engine, engine.solve_full())
    engine.upsert(random_profile(rng, "g-3"))
    for younger, older, _ in engine.broken_locks():
        engine.unlock(younger, older)
        engine.block(younger, older)
    lock_all(engine, engine.propose())
    engine.remove("g-5")


def test_a_dropped_engine_leaves_no_cyclic_garbage_so_freezing_it_cannot_leak() -> None:
    # The service freezes a loaded engine (program.freeze_long_lived): the cycle collector never
    # visits it again, so it must be freed by reference counting alone once dropped.
    used_engine(seed=21)  # first-use caches are not the engine's garbage
    gc.collect()
    gc.disable()
    try:
        used_engine(seed=21)
        gc.set_debug(gc.DEBUG_SAVEALL)
        gc.collect()
        garbage = list(gc.garbage)
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()

    assert garbage == []
