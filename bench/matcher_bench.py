"""Matcher benchmark: full solves of synthetic programs and single-change decisions.

    python -m bench.matcher_bench [--sizes 1000,10000,20000,100000] [--updates 2000]

Per program size, in one run:
- ingest: upserting every profile into a fresh `MatchingEngine`;
- solve: `solve_full` (candidate generation and the solve over every feasible pair), its explanations, and
  its peak traced memory (a second, traced solve; the process peak RSS is printed at the end);
- quality of the first optimal round (the younger/older assignment over top-k candidates,
  solved by the auction, priced) against the optimum of the same split over every feasible
  pair: exact by LP (HiGHS) where that is quick, with scipy's dense `linear_sum_assignment` on
  the full score matrix beside it (capacities as slots, so a pair may repeat and it is then an
  upper bound); at 100,000 an auction over top-100 candidates, whose prices certify how far it
  can be from the optimum. The first round's own prices certify a lower bound on its quality
  ("certified") at every size;
- a greedy baseline (all feasible pairs of that split, best first, taken while both are free);
- the engine's full solve (over every feasible pair, whatever the ages: see `bench.round_bench`)
  against that same optimum (it pairs people of the same side too, so it passes 100%).

Then, on the largest size, the time `upsert` + `broken_locks` + `propose` takes to decide a single
profile change (locks of broken pairs released), with the full garbage-collection pauses meanwhile:
first with the engine as loaded, then (a second series of changes) after `freeze_long_lived()`,
as the service does once it has taken a program over. And, on the largest size up to 20,000, the
total score across the updates of an engine doing local repair against a twin that re-solves
fully after every change, both starting from all first proposals locked.

Synthetic people: timezones weighted over the Americas, Europe/Africa and Asia-Pacific (a few
with :30/:45 offsets); English for 85 %, a local language for 70 %; birth years ~ N(1984, 11)
in 1958-2005; the younger mostly offer digital skills and want experience, the older the
reverse (some cross over), 10 % add free-text skills; 1-3 weekly windows of 1-3 hours (10 %
have 5), mostly on weekdays, in morning, lunch, afternoon or evening bands; 40 departments
(the largest about 9 %); 8 % are managers; capacity 1 (80 %), 2 (15 %) or 3.
"""

import argparse
import gc
import os
import random
import resource
import statistics
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import numpy as np
from scipy.optimize import linear_sum_assignment, linprog
from scipy.sparse import coo_matrix

from services.matcher.core.policy import Policy
from services.matcher.core.scoring import ScoredPair, explained
from services.matcher.engine.candidates import best, feasible
from services.matcher.engine.engine import MatchingEngine
from services.matcher.engine.rounds import SolveStats, balanced_split, solve_free
from services.matcher.solver.duals import dual_bound
from services.matcher.solver.solver import assign, greedy
from services.matcher.usecases.program import freeze_long_lived
from shared.profile import ProfileSnapshot
from shared.vocabulary import Skill

WEEK = date(2026, 3, 9)  # between the American and the European DST switches
POLICY = Policy()
DENSE_LIMIT = 20_000

SKILLS = [s.value for s in Skill]
YOUNG_SKILLS, OLD_SKILLS = SKILLS[:12], SKILLS[12:]
ZONES = [  # (timezone, weight, local language)
    ("America/Los_Angeles", 8, "es"), ("America/Denver", 2, None), ("America/Chicago", 7, "es"),
    ("America/New_York", 12, "es"), ("America/Mexico_City", 2, "es"),
    ("America/Sao_Paulo", 4, "pt"), ("America/St_Johns", 1, None), ("Europe/London", 8, None),
    ("Europe/Berlin", 8, "de"), ("Europe/Paris", 7, "fr"), ("Europe/Madrid", 4, "es"),
    ("Europe/Warsaw", 4, "pl"), ("Europe/Istanbul", 2, "tr"), ("Africa/Lagos", 3, None),
    ("Africa/Johannesburg", 2, "af"), ("Asia/Dubai", 2, "ar"), ("Asia/Kolkata", 7, "hi"),
    ("Asia/Kathmandu", 1, "ne"), ("Asia/Singapore", 4, "zh"), ("Asia/Shanghai", 5, "zh"),
    ("Asia/Tokyo", 4, "ja"), ("Australia/Sydney", 3, None),
]  # fmt: skip
EXTRAS = [
    "Excel", "Python", "TikTok", "Figma", "Public Speaking", "storytelling", "SQL", "mentoring",
    "Negotiation", "podcasting", "Power BI", "design thinking", "agile coaching",
    "Data Analysis", "prompt engineering", "budgeting", "hiring", "LinkedIn",
]  # fmt: skip
DEPARTMENTS = [f"Department {i}" for i in range(40)]
DEPARTMENT_SIZES = [1 / (i + 5) for i in range(40)]  # the largest holds about 9 %
BANDS = [(8, 12, 30), (12, 14, 25), (14, 17, 25), (17, 21, 20)]  # local hours, weight
WEEKDAYS, ALL_DAYS = (
    ["mon", "tue", "wed", "thu", "fri"],
    ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
)


# -- synthetic people --------------------------------------------------------------------------
def availability(rng: random.Random) -> dict[str, list[dict[str, str]]]:
    days = WEEKDAYS if rng.random() < 0.9 else ALL_DAYS
    out: dict[str, list[dict[str, str]]] = {}
    for _ in range(rng.choices([1, 2, 3, 5], weights=[30, 40, 20, 10])[0]):
        low, high, _ = rng.choices(BANDS, weights=[b[2] for b in BANDS])[0]
        start = rng.randrange(low * 2, high * 2) * 30
        end = min(start + rng.choices([60, 90, 120, 180], weights=[3, 3, 3, 1])[0], 24 * 60)
        clock = [f"{m // 60:02d}:{m % 60:02d}" for m in (start, end)]
        out.setdefault(rng.choice(days), []).append({"start": clock[0], "end": clock[1]})
    return out


def skills(rng: random.Random, year: int) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    youth = min(1.0, max(0.0, (year - 1965) / 35))
    mine, theirs = (
        (YOUNG_SKILLS, OLD_SKILLS) if rng.random() < youth else (OLD_SKILLS, YOUNG_SKILLS)
    )
    offered = rng.sample(mine, rng.randint(2, 4)) + (
        [rng.choice(theirs)] if rng.random() < 0.15 else []
    )
    wanted = rng.sample(theirs, rng.randint(1, 3))
    extra_offered = rng.sample(EXTRAS, rng.randint(1, 2)) if rng.random() < 0.1 else []
    extra_wanted = rng.sample(EXTRAS, 1) if rng.random() < 0.1 else []
    return (
        {"vocabulary": offered, "extras": extra_offered},
        {"vocabulary": wanted, "extras": extra_wanted},
    )


def languages(rng: random.Random, local: str | None) -> list[str]:
    found = ["en"] if rng.random() < 0.85 else []
    if local and (rng.random() < 0.7 or not found):
        found.append(local)
    if rng.random() < 0.1:
        found.append(rng.choice(["fr", "de", "es", "it", "pt"]))
    return list(dict.fromkeys(found or ["en"]))


def synthetic(n: int, seed: int) -> list[ProfileSnapshot]:
    rng = random.Random(seed)
    managers: list[str] = []
    people = []
    for i in range(n):
        zone, _, local = rng.choices(ZONES, weights=[z[1] for z in ZONES])[0]
        year = int(min(2005, max(1958, rng.gauss(1984, 11))))
        offered, wanted = skills(rng, year)
        person_id = f"p{i}"
        manager = rng.choice(managers) if managers and rng.random() < 0.95 else None
        if rng.random() < 0.08:
            managers.append(person_id)
        fields = {
            "id": person_id, "program_id": "bench", "name": f"Person {i}",
            "email": f"p{i}@example.org", "birth_year": year, "languages": languages(rng, local),
            "timezone": zone, "availability": availability(rng), "skills_offered": offered,
            "skills_wanted": wanted, "department": rng.choices(DEPARTMENTS, DEPARTMENT_SIZES)[0],
            "manager_id": manager, "max_pairings": rng.choices([1, 2, 3], weights=[80, 15, 5])[0],
            "version": 1, "updated_at": datetime(2026, 1, 1, tzinfo=UTC),
        }  # fmt: skip
        people.append(ProfileSnapshot.model_validate(fields))
    return people


def changed(person: ProfileSnapshot, rng: random.Random) -> ProfileSnapshot:
    """One realistic single-profile update."""
    fields: dict[str, Any] = person.model_dump()
    roll = rng.random()
    if roll < 0.4:
        fields["availability"] = availability(rng)
    elif roll < 0.7:
        fields["skills_offered"], fields["skills_wanted"] = skills(rng, person.birth_year)
    elif roll < 0.8:
        fields["languages"] = languages(rng, rng.choice(ZONES)[2])
    elif roll < 0.9:
        fields["department"] = rng.choice(DEPARTMENTS)
    elif roll < 0.95:
        fields["opted_in"] = not person.opted_in
    else:
        fields["max_pairings"] = rng.choice([1, 2, 3])
    fields["version"] = person.version + 1
    return ProfileSnapshot.model_validate(fields)


# -- measuring ---------------------------------------------------------------------------------
@dataclass
class Row:
    people: int
    ingest: float = 0.0
    solve: float = 0.0
    explain: float = 0.0
    peak_mb: float = 0.0
    pairs: int = 0
    first_round: float = 0.0
    first_bound: float = 0.0
    engine_total: float = 0.0
    greedy: float = 0.0
    optimum: float = 0.0
    bound: float = 0.0
    reference: str = ""
    reference_seconds: float = 0.0
    dense: float = 0.0
    dense_twice: bool = False
    dense_seconds: float = 0.0


def timed(work: Callable[[], Any]) -> tuple[Any, float]:
    started = time.perf_counter()
    return work(), time.perf_counter() - started


def measure_size(n: int, seed: int) -> tuple[Row, MatchingEngine, list[ProfileSnapshot]]:
    people = synthetic(n, seed)
    row = Row(n)
    engine = MatchingEngine(POLICY, week_of=WEEK)
    _, row.ingest = timed(lambda: [engine.upsert(p) for p in people])
    split = balanced_split(engine.pool.birth[: engine.pool.used], engine.solve_input().free)
    pairs, _ = timed(engine.solve_full)
    row.solve, row.explain = engine.last_solve.solve_seconds, engine.last_solve.explain_seconds
    row.pairs, row.engine_total = len(pairs), sum(p.score for p in pairs)
    stats = SolveStats()
    solve_free(engine.solve_input(), stats)  # the younger-against-older split, on its own
    row.first_round, row.first_bound = stats.rounds[0].total, stats.rounds[0].bound
    tracemalloc.start()
    engine.solve_full()
    row.peak_mb = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    reference(engine, split, row)
    return row, engine, people


def split_edges(engine: MatchingEngine, split: int) -> Any:
    """Every feasible pair of the split (the split's first round uses the same)."""
    problem = engine.solve_input()
    pool, free = problem.pool, problem.free
    rows = np.flatnonzero(free > 0)
    young, old = rows[pool.birth[rows] > split], rows[pool.birth[rows] <= split]
    every = feasible(
        pool, young, old, POLICY, forbidden=problem.forbidden_keys(), chains=problem.chains()
    )
    return every, free


def reference(engine: MatchingEngine, split: int, row: Row) -> None:
    every, free = split_edges(engine, split)
    chosen = greedy(every.young, every.old, every.score, left_cap=free, right_cap=free)
    row.greedy = float(every.score[chosen].sum())
    if row.people <= DENSE_LIMIT:
        row.optimum, row.reference_seconds = timed(lambda: exact_optimum(every, free))
        (row.dense, row.dense_twice), row.dense_seconds = timed(lambda: dense_optimum(every, free))
        row.bound = row.optimum
        row.reference = "LP (HiGHS), all feasible pairs"
        return
    wide = every.take(best(every, every.score, 100))
    solution, row.reference_seconds = timed(
        lambda: assign(wide.young, wide.old, wide.score, left_cap=free, right_cap=free, eps=1e-4)
    )
    assert solution.price is not None
    caps = {"left_cap": free, "right_cap": free, "price": solution.price}
    row.optimum = solution.total
    row.bound = dual_bound(every.young, every.old, every.score, **caps).value
    row.reference = "top-100 candidates, auction eps 1e-4"


def exact_optimum(edges: Any, free: np.ndarray) -> float:
    """The b-matching LP over every feasible pair of the split: its constraint matrix is totally
    unimodular, so HiGHS returns an integral optimum."""
    n, count = len(free), len(edges)
    incidence = coo_matrix(
        (
            np.ones(2 * count),
            (np.r_[edges.young, edges.old], np.r_[np.arange(count), np.arange(count)]),
        ),
        shape=(n, count),
    ).tocsr()
    result = linprog(-edges.score, A_ub=incidence, b_ub=free, bounds=(0, 1), method="highs")
    return float(-result.fun)


def dense_optimum(edges: Any, free: np.ndarray) -> tuple[float, bool]:
    """The full score matrix of the split (zero where a pair is infeasible), every unit of
    capacity a row or column, maximised by linear_sum_assignment. Slots may repeat a pair, so
    with capacities above one this is an upper bound; returns (total, whether a pair repeats)."""
    young, y_at = np.unique(edges.young, return_inverse=True)
    old, o_at = np.unique(edges.old, return_inverse=True)
    scores = np.zeros((len(young), len(old)))
    scores[y_at, o_at] = edges.score
    y_slots = np.repeat(np.arange(len(young)), free[young])
    o_slots = np.repeat(np.arange(len(old)), free[old])
    matrix = scores[np.ix_(y_slots, o_slots)]
    del scores
    r, c = linear_sum_assignment(matrix, maximize=True)
    picked = matrix[r, c] > 0
    pairs = set(zip(y_slots[r[picked]].tolist(), o_slots[c[picked]].tolist(), strict=True))
    return float(matrix[r, c].sum()), len(pairs) < picked.sum()


# -- single changes ----------------------------------------------------------------------------
def settle(engine: MatchingEngine, proposals: list[ScoredPair]) -> None:
    for p in proposals:
        engine.lock(p.younger_id, p.older_id)


def apply(
    engine: MatchingEngine, person: ProfileSnapshot, solve: Callable[[], list[ScoredPair]]
) -> None:
    engine.upsert(person)
    for younger, older, _ in engine.broken_locks():
        engine.unlock(younger, older)
        engine.block(younger, older)
    settle(engine, solve())


class Pauses:
    """Garbage-collector pauses of the oldest generation while it is on."""

    def __init__(self) -> None:
        self.seconds: list[float] = []
        self._started = 0.0

    def __enter__(self) -> "Pauses":
        gc.callbacks.append(self._note)
        return self

    def __exit__(self, *_: object) -> None:
        gc.callbacks.remove(self._note)

    def _note(self, phase: str, info: dict[str, Any]) -> None:
        if info["generation"] == 2:
            if phase == "start":
                self._started = time.perf_counter()
            else:
                self.seconds.append(time.perf_counter() - self._started)


def decision_times(
    engine: MatchingEngine, people: list[ProfileSnapshot], updates: int, seed: int
) -> list[float]:
    rng = random.Random(seed)
    current = {p.id: p for p in people}
    settle(engine, engine.propose())
    times = []
    for _ in range(updates):
        person = changed(current[rng.choice(people).id], rng)
        current[person.id] = person
        started = time.perf_counter()
        apply(engine, person, engine.propose)
        times.append(time.perf_counter() - started)
    return times


class Ledger:
    """The score of every locked pair of one engine under current profiles, kept up to date
    per change (re-scoring every pair after every change would dominate the run)."""

    def __init__(self, engine: MatchingEngine) -> None:
        self.engine, self.scores = engine, {}
        self.refresh(set(engine.locks.pairs))

    def refresh(self, keys: set[frozenset[str]]) -> None:
        people = self.engine.pool.people
        rows = self.engine.pool.row_of
        for key in keys:
            if key not in self.engine.locks.pairs:
                self.scores.pop(key, None)
                continue
            a, b = (people[rows[i]] for i in key)
            younger, older = (a, b) if a.birth_year > b.birth_year else (b, a)
            self.scores[key] = explained(younger, older, POLICY).score

    def touching(self, person_id: str) -> set[frozenset[str]]:
        return {key for key in self.scores if person_id in key}

    @property
    def total(self) -> float:
        return sum(self.scores.values())


def step(engine: MatchingEngine, ledger: Ledger, person: ProfileSnapshot, full: bool) -> None:
    before = set(engine.locks.pairs)
    apply(engine, person, engine.solve_full if full else engine.propose)
    after = set(engine.locks.pairs)
    ledger.refresh((before ^ after) | ledger.touching(person.id))


def drift(people: list[ProfileSnapshot], updates: int, seed: int) -> dict[str, float]:
    rng = random.Random(seed)
    repaired, resolved = (MatchingEngine(POLICY, week_of=WEEK) for _ in range(2))
    for engine in (repaired, resolved):
        for p in people:
            engine.upsert(p)
        settle(engine, engine.propose())
    ledgers = {id(e): Ledger(e) for e in (repaired, resolved)}
    current = {p.id: p for p in people}
    ratios, full_solves = [], 0
    for _ in range(updates):
        person = changed(current[rng.choice(people).id], rng)
        current[person.id] = person
        before = repaired.last_solve
        step(repaired, ledgers[id(repaired)], person, full=False)
        full_solves += repaired.last_solve is not before
        step(resolved, ledgers[id(resolved)], person, full=True)
        ratios.append(ledgers[id(repaired)].total / ledgers[id(resolved)].total)
    fresh = MatchingEngine(POLICY, week_of=WEEK)
    for p in current.values():
        fresh.upsert(p)
    unlocked = sum(s.score for s in fresh.solve_full())
    return {
        "min": min(ratios), "final": ratios[-1], "full_solves": full_solves,
        "vs_unlocked": ledgers[id(repaired)].total / unlocked,
    }  # fmt: skip


# -- report ------------------------------------------------------------------------------------
def pct(part: float, whole: float) -> str:
    return f"{100 * part / whole:.3f} %" if whole else "-"


def print_table(rows: list[Row]) -> None:
    columns = [
        ("people", lambda r: f"{r.people:,}"),
        ("ingest s", lambda r: f"{r.ingest:.2f}"),
        ("solve s", lambda r: f"{r.solve:.3f}"),
        ("explain s", lambda r: f"{r.explain:.3f}"),
        ("peak MB", lambda r: f"{r.peak_mb:.0f}"),
        ("pairs", lambda r: f"{r.pairs:,}"),
        ("1st round / opt", lambda r: pct(r.first_round, r.optimum)),
        ("1st round certified", lambda r: "≥ " + pct(r.first_round, r.first_bound)),
        ("greedy / opt", lambda r: pct(r.greedy, r.optimum)),
        ("engine / opt", lambda r: pct(r.engine_total, r.optimum)),
        ("reference", lambda r: f"{r.reference} ({r.reference_seconds:.1f} s)"),
    ]
    cells = [[name for name, _ in columns]] + [[f(r) for _, f in columns] for r in rows]
    widths = [max(len(line[i]) for line in cells) for i in range(len(columns))]
    for line in cells:
        print("  ".join(cell.rjust(w) for cell, w in zip(line, widths, strict=True)))
    for r in rows:
        if r.dense:
            kind = "repeats a pair: an upper bound" if r.dense_twice else "no pair repeated"
            print(
                f"  {r.people:,}: dense linear_sum_assignment {r.dense:.2f} in {r.dense_seconds:.1f} s "
                f"({kind}) vs LP optimum {r.optimum:.2f}; 1st round {pct(r.first_round, r.dense)} of it"
            )
        if r.bound > r.optimum + 1e-9:
            print(
                f"  {r.people:,}: the reference is certified within {pct(r.optimum, r.bound)} "
                f"of the optimum over every feasible pair (dual bound {r.bound:.2f})"
            )


def single_changes(
    label: str, engine: MatchingEngine, people: list[ProfileSnapshot], updates: int, seed: int
) -> None:
    with Pauses() as pauses:
        times = sorted(decision_times(engine, people, updates, seed))
    p50, p99 = statistics.median(times), times[int(0.99 * (len(times) - 1))]
    over = sum(t > 0.010 for t in times)
    print(
        f"single change at {len(people):,} people, {label}, {len(times)} updates (upsert, broken "
        f"locks released, propose, lock): p50 {1000 * p50:.2f} ms, p99 {1000 * p99:.2f} ms, "
        f"max {1000 * times[-1]:.2f} ms, over 10 ms: {over}; gen-2 GC pauses meanwhile: "
        f"{len(pauses.seconds)}, longest {1000 * max(pauses.seconds, default=0):.0f} ms",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="1000,10000,20000,100000")
    parser.add_argument("--updates", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=2027)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    print(f"load average at start: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    rows, kept = [], None
    for n in sizes:
        row, engine, people = measure_size(n, args.seed)
        rows.append(row)
        print(f"  measured {n:,} people", flush=True)
        if n == max(sizes):
            kept = (engine, people)
    print_table(rows)
    if kept and args.updates:
        engine, people = kept
        single_changes("as loaded", engine, people, args.updates, args.seed)
        collected, full = timed(gc.collect)
        freeze_long_lived()  # as the service does once it has taken a program over
        _, frozen = timed(gc.collect)
        print(
            f"a full collection walks {len(gc.get_objects()) + gc.get_freeze_count():,} objects "
            f"in {1000 * full:.0f} ms ({collected} found unreachable); after freeze_long_lived "
            f"({gc.get_freeze_count():,} frozen) one takes {1000 * frozen:.1f} ms"
        )
        single_changes("frozen", engine, people, args.updates, args.seed + 2)
        small = max([n for n in sizes if n <= DENSE_LIMIT], default=None)
        if small:
            d = drift(synthetic(small, args.seed), args.updates, args.seed + 1)
            print(
                f"local repair vs full re-solve after every change, {small:,} people, "
                f"{args.updates} updates: worst {100 * d['min']:.3f} %, final {100 * d['final']:.3f} %, "
                f"full solves triggered {d['full_solves']:.0f}; final locked total vs a fresh "
                f"solve without locks {100 * d['vs_unlocked']:.2f} %"
            )
    print(f"process peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
