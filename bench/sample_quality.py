"""Sample quality: the live pairings of the shipped sample, loaded as `./dev demo` loads it,
against the offline exact optimum for the same people.

    python -m bench.sample_quality [--mode rounds|continuous] [--settle-minutes 2] [--runs 3]

Each run starts the three services on a fresh run of the local stack (its own topics and
databases), loads the sample (the first program through the profiles API, the others on the
ingress topic). In `rounds` mode the programs get their records first (matched in rounds, as
the demo creates them), and one round per program runs once the matcher holds everyone
(`deploy.demo.run_rounds`); in `continuous` mode the programs have no record, so the
deployment's settle window applies (`MATCHER_SETTLE_MINUTES`), and the run waits until no
pairing event has come for a while. The people are then read back from the matcher's own read model, so the
optimum is for exactly the people it saw (the API gives its people new ids): every feasible pair,
solved exactly (HiGHS, `solver.exact`), per program. The live total re-scores the live pairings
with the same scoring. Pairs are compared across runs by the two people's emails, as ids differ.
"""

import argparse
import asyncio
import hashlib
import json
import socket
from typing import Any

from bench.profiled import fresh_run
from deploy.demo import SAMPLE, create_programs, load_sample, run_rounds, wait_until_settled
from deploy.processes import System
from services.matcher.adapters.pairing_store import record_of
from services.matcher.adapters.stored_profiles import snapshot_of
from services.matcher.core.features import person_of
from services.matcher.core.lifecycle import LIVE
from services.matcher.core.policy import Policy
from services.matcher.core.scoring import explained
from services.matcher.engine.engine import MatchingEngine
from services.matcher.engine.general import feasible_graph
from services.matcher.solver.exact import exact_b_matching
from services.matcher.usecases.ports import PairingRecord
from shared.kafka import ensure_topics
from shared.mongo import mongo_client
from shared.profile import ProfileSnapshot
from shared.topics import Topics

Pairs = set[tuple[str, str]]


async def stored(uri: str, database: str) -> tuple[list[ProfileSnapshot], list[PairingRecord]]:
    client = mongo_client(uri)
    try:
        db = client[database]
        people = [snapshot_of(doc) async for doc in db["people"].find({}) if not doc.get("deleted")]
        live = [
            record_of(doc)
            async for doc in db["pairings"].find({"state": {"$in": [s.value for s in LIVE]}})
        ]
    finally:
        await client.close()
    return people, live


def judged(people: list[ProfileSnapshot], live: list[PairingRecord]) -> dict[str, Any]:
    """Per program: the live total and pairs, the exact optimum and its pairs."""
    policy, found = Policy(), {}
    for program in sorted({p.program_id for p in people}):
        engine = MatchingEngine(policy)
        members = [p for p in people if p.program_id == program and p.opted_in]
        for person in sorted(members, key=lambda p: p.id):
            engine.upsert(person)
        graph = feasible_graph(engine.solve_input())
        optimum = exact_b_matching(graph.a, graph.b, graph.score, cap=graph.cap)
        week, by_id = engine.week, {p.id: p for p in members}
        pairs = [d for d in live if d.program_id == program]
        total = sum(
            explained(
                person_of(by_id[d.younger.id], week),
                person_of(by_id[d.older.id], week),
                policy,
            ).score
            for d in pairs
        )
        found[program] = {
            "live": total,
            "live_pairs": len(pairs),
            "optimum": float(graph.score[optimum.chosen].sum()),
            "optimum_pairs": int(optimum.chosen.sum()),
            "pairs": {(d.younger.email, d.older.email) for d in pairs},
        }
    return found


def free_port() -> int:
    """A port nobody listens on now, so runs beside other work on the machine do not collide."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def one_run(mode: str, settle_minutes: int) -> dict[str, Any]:
    env = {"MATCHER_SETTLE_MINUTES": str(settle_minutes)}  # programs without a record
    ports = {service: free_port() for service in ("profiles", "matcher", "notifier")}
    config, workdir, _ = fresh_run("sample", extra_env=env, ports=ports, smtp_port=free_port())
    topics = Topics(prefix=config.topic_prefix)
    asyncio.run(ensure_topics(config.kafka_bootstrap_servers, topics, partitions=3))
    rows = [json.loads(line) for line in SAMPLE.read_text().splitlines() if line.strip()]
    system = System(config)
    try:
        system.start()
        if mode == "rounds":
            create_programs(system)
        load_sample(system, rows, topics)
        if mode == "rounds":
            run_rounds(system, rows)
        within = settle_minutes * 60 + 300
        wait_until_settled(system, topics, quiet_for=15.0, within=within)
    finally:
        system.stop()
    people, live = asyncio.run(stored(config.mongodb_uri, f"{config.database_prefix}matcher"))
    print(f"  logs in {workdir}")
    return judged(people, live)


def report(run: int, found: dict[str, Any]) -> Pairs:
    live = sum(f["live"] for f in found.values())
    optimum = sum(f["optimum"] for f in found.values())
    for program, f in found.items():
        print(
            f"  {program:15} live {f['live']:8.4f} ({f['live_pairs']:3} pairs)   "
            f"exact optimum {f['optimum']:8.4f} ({f['optimum_pairs']:3} pairs)   "
            f"{100 * f['live'] / f['optimum']:7.3f} %   pairs {_digest(f['pairs'])}"
        )
    pairs: Pairs = set().union(*(f["pairs"] for f in found.values()))
    print(
        f"run {run}: live {live:.4f} ({len(pairs)} pairs), exact optimum {optimum:.4f}: "
        f"{100 * live / optimum:.3f} %; pairs {_digest(pairs)}"
    )
    return pairs


def _digest(pairs: Pairs) -> str:
    return hashlib.sha256(json.dumps(sorted(pairs)).encode()).hexdigest()[:12]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=["rounds", "continuous"], default="rounds")
    parser.add_argument("--settle-minutes", type=int, default=2)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(f"mode {args.mode}, settle window {args.settle_minutes:g} min (continuous only)")
    seen = [report(n + 1, one_run(args.mode, args.settle_minutes)) for n in range(args.runs)]
    same = all(pairs == seen[0] for pairs in seen)
    print(f"pairs identical across the {args.runs} runs: {'yes' if same else 'no'}")


if __name__ == "__main__":
    main()
