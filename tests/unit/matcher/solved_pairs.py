"""The pairs full solves propose, as text, for people given in a shuffled order:
`python -m tests.unit.matcher.solved_pairs SEED` prints them, so a test can compare runs in
fresh processes under different hash seeds. Covers the shipped sample, a random program of
many equal scores and one of identical people (every choice among them a tie), through the exact path and the large-program path."""

import json
import random
import sys

from services.matcher.core.policy import Policy
from services.matcher.engine.engine import MatchingEngine
from services.matcher.engine.general import solve_general
from services.matcher.engine.rounds import SolveStats
from shared.profile import ProfileSnapshot
from tests.builders.matcher import WEEK, old, random_profile, sample_programs, young


def programs() -> dict[str, list[ProfileSnapshot]]:
    rng = random.Random(77)
    ties = [random_profile(rng, f"tie-{i:03d}", max_pairings=1) for i in range(300)]
    clones = [young(f"clone-y{i:02d}") for i in range(12)] + [old(f"clone-o{i}") for i in range(7)]
    return sample_programs() | {"ties": ties, "clones": clones}


def solved(people: list[ProfileSnapshot], shuffle: int) -> dict[str, list[list[str]]]:
    order = list(people)
    random.Random(shuffle).shuffle(order)
    engine = MatchingEngine(Policy(), week_of=WEEK)
    for person in order:
        engine.upsert(person)
    exact = [[p.younger_id, p.older_id] for p in engine.solve_full()]
    rows = engine.pool.people
    large = []
    for y, o, _ in solve_general(engine.solve_input(), SolveStats(), exact_up_to=0):
        py, po = rows[y], rows[o]
        assert py is not None and po is not None
        large.append([py.id, po.id])
    return {"exact": sorted(exact), "large": sorted(large)}


def everything(shuffle: int) -> str:
    return json.dumps({name: solved(people, shuffle) for name, people in programs().items()})


if __name__ == "__main__":
    print(everything(int(sys.argv[1])))
