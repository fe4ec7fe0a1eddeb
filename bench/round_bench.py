"""Round benchmark: a full solve over every feasible pair, whatever the ages (`engine.general`),
on synthetic programs (the people of `matcher_bench`).

    python -m bench.round_bench [--quality 1000,5000] [--timing 20000,100000]
                                [--stored 20000,100000] [--seed 2027]

Quality, per --quality size: the large-program path (the split's auction on the double cover,
rounded, then improved), forced on below its threshold, against the exact optimum over every
feasible pair (the exact path: HiGHS, LP then integer program), beside the younger-against-older
split solve (`rounds.solve_free`, what full solves were before) and a greedy baseline (every
feasible pair, best first), all measured in the same run. The large path's own certified upper
bound (half the double cover's dual bound) is printed too.

Time, per --timing size: the solver-only time of a full solve (candidate generation and solving:
no explanations, no store; a round measured from the stored profiles comes with the rounds
themselves), beside the split solve of the same people in the same run, and the ratio; each
solve's pairs and total score; the process peak RSS at the end.

A round, per --stored size: from the profiles stored in the local store through to the
proposals written, beside the solver alone in the same run (`bench.stored_round`).
"""

import argparse
import os
import resource
import time
from dataclasses import dataclass

from bench import stored_round
from bench.matcher_bench import POLICY, WEEK, synthetic
from services.matcher.engine.engine import MatchingEngine
from services.matcher.engine.general import feasible_graph, solve_general
from services.matcher.engine.rounds import SolveStats, solve_free
from services.matcher.engine.solve_input import SolveInput
from services.matcher.solver.exact import exact_b_matching
from services.matcher.solver.improve import filled


@dataclass(frozen=True)
class Solved:
    pairs: int
    total: float
    seconds: float
    bound: float = 0.0
    candidates: float = 0.0
    """Of `seconds`, finding and scoring every feasible pair."""


def problem_of(n: int, seed: int) -> SolveInput:
    engine = MatchingEngine(POLICY, week_of=WEEK)
    for person in synthetic(n, seed):
        engine.upsert(person)
    return engine.solve_input()


def general(problem: SolveInput, *, exact_up_to: int | None = None) -> Solved:
    stats = SolveStats()
    started = time.perf_counter()
    if exact_up_to is None:
        found = solve_general(problem, stats)
    else:
        found = solve_general(problem, stats, exact_up_to=exact_up_to)
    seconds = time.perf_counter() - started
    done = stats.rounds[0]
    return Solved(len(found), done.total, seconds, done.bound, done.candidates_seconds)


def split(problem: SolveInput) -> Solved:
    stats = SolveStats()
    started = time.perf_counter()
    found = solve_free(problem, stats)
    seconds = time.perf_counter() - started
    found_pairs = sum(r.candidates_seconds for r in stats.rounds)
    return Solved(len(found), sum(r.total for r in stats.rounds), seconds, 0.0, found_pairs)


def exact(problem: SolveInput) -> tuple[Solved, Solved]:
    """The exact optimum over every feasible pair, and the greedy baseline on the same pairs."""
    started = time.perf_counter()
    graph = feasible_graph(problem)
    found = exact_b_matching(graph.a, graph.b, graph.score, cap=graph.cap)
    seconds = time.perf_counter() - started
    none = found.chosen & False
    greedy = filled(graph.a, graph.b, graph.score, cap=graph.cap, chosen=none)
    return (
        Solved(int(found.chosen.sum()), found.total, seconds, found.relaxed),
        Solved(int(greedy.sum()), float(graph.score[greedy].sum()), 0.0),
    )


def pct(part: float, whole: float) -> str:
    return f"{100 * part / whole:.3f} %" if whole else "-"


def quality(n: int, seed: int) -> None:
    problem = problem_of(n, seed)
    optimum, greedy = exact(problem)
    large = general(problem, exact_up_to=0)
    old = split(problem)
    print(
        f"{n:,} people: large path {large.total:.2f} ({large.pairs:,} pairs, {large.seconds:.2f} s)"
        f" = {pct(large.total, optimum.total)} of the exact optimum {optimum.total:.2f}"
        f" ({optimum.pairs:,} pairs, {optimum.seconds:.2f} s; LP bound {optimum.bound:.2f});"
        f" certified by its own bound: >= {pct(large.total, large.bound)};"
        f" split solve {pct(old.total, optimum.total)} ({old.pairs:,} pairs, {old.seconds:.2f} s);"
        f" greedy {pct(greedy.total, optimum.total)}",
        flush=True,
    )


def timing(n: int, seed: int) -> None:
    problem = problem_of(n, seed)
    old = split(problem)
    new = general(problem)
    print(
        f"{n:,} people: full solve over every feasible pair {new.seconds:.2f} s (finding the pairs"
        f" {new.candidates:.2f} s; {new.pairs:,} pairs,"
        f" total {new.total:.2f}, >= {pct(new.total, new.bound)} of its bound);"
        f" split solve in the same run {old.seconds:.2f} s (finding its pairs {old.candidates:.2f} s;"
        f" {old.pairs:,} pairs, total"
        f" {old.total:.2f}); time ratio {new.seconds / old.seconds:.2f}x,"
        f" total ratio {pct(new.total, old.total)}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quality", default="1000,5000")
    parser.add_argument("--timing", default="20000,100000")
    parser.add_argument("--stored", default="20000,100000")
    parser.add_argument("--seed", type=int, default=2027)
    args = parser.parse_args()
    print(f"load average at start: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    for n in [int(s) for s in args.quality.split(",") if s]:
        quality(n, args.seed)
    for n in [int(s) for s in args.timing.split(",") if s]:
        timing(n, args.seed)
    stored_round.run([int(s) for s in args.stored.split(",") if s], args.seed)
    print(f"process peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
