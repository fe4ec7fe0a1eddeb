"""Pipeline benchmark: profile events in, pairings proposed, emails accepted by an SMTP server.

    python -m bench.pipeline_bench [--people 1000] [--rate 200] [--preload 20000] [--profile DIR]

Runs the three services as separate processes on the local stack (started if needed) and reports:
- the raw baselines in the same run: aiokafka produce -> consume throughput and latency on the same
  broker, and single-document inserts and updates per second on the same store (every profile
  event costs the pipeline several store writes, so the store's rate bounds the pipeline's);
- a burst of N profile events: events per second until every email is accepted;
- a steady stream at `--rate` events per second: latency percentiles from the profile event that
  completed a pair to the email being accepted, batching window included;
and the ratios of the pipeline's figures to the raw ones; and what one event costs the machine in
CPU, so the most events per second its cores could carry (`bench/budget.py`).

With `--preload N`, N profiles (in programs of `--program-size`) go through the real path first,
and the measured phases start once all of them are matched and emailed and the pipeline is idle
(`bench/preload.py`). Every run also prints the load average at its start, each process's peak
RSS and CPU per phase (`bench/procwatch.py`), and the store time per operation shape that each
service saw (`bench/opstats.py`); `--profile DIR` runs each service under py-spy and prints its
hottest functions (`bench/profiled.py`).
"""

import argparse
import asyncio
import json
import os
import signal
import statistics
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from pymongo import AsyncMongoClient

from bench import budget, opstats, stages
from bench.preload import produce_upserts, until_all_arrived, until_idle
from bench.procwatch import ProcessWatch, load_line, stack_pids
from bench.profiled import SERVICES, BenchSystem, fresh_run, hot_frames
from deploy import ops
from deploy.processes import SystemConfig
from shared.kafka import ensure_topics
from shared.topics import Topics
from shared.vocabulary import Skill

IDLE_SECONDS = 5.0


@dataclass
class Figures:
    throughput: float
    p50: float
    p95: float
    p99: float


def percentiles(samples: list[float]) -> tuple[float, float, float]:
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return cuts[49], cuts[94], cuts[98]


class ArrivalRecorder:
    """An SMTP handler that notes when each recipient's email was accepted."""

    def __init__(self) -> None:
        self.accepted: dict[str, float] = {}
        self.accepted_wall: dict[str, float] = {}

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        now, wall = time.monotonic(), time.time()
        for address in envelope.rcpt_tos:
            self.accepted.setdefault(address.lower(), now)
            self.accepted_wall.setdefault(address.lower(), wall)
        return "250 OK"


async def raw_kafka(bootstrap: str, topic: str, count: int, rate: float | None) -> Figures:
    """aiokafka alone: produce `count` messages (at `rate`/s, or as fast as possible), consume them."""
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, auto_offset_reset="latest")
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True)
    await consumer.start()
    await producer.start()
    await asyncio.sleep(1)  # let the consumer's assignment settle before producing
    sent: dict[bytes, float] = {}
    latencies: list[float] = []

    async def consume() -> None:
        while len(latencies) < count:
            for records in (await consumer.getmany(timeout_ms=200)).values():
                now = time.monotonic()
                latencies.extend(now - sent[r.value or b""] for r in records if r.value in sent)

    reader = asyncio.create_task(consume())
    start = time.monotonic()
    for i in range(count):
        key = str(i).encode()
        sent[key] = time.monotonic()
        await producer.send_and_wait(topic, key, key=key)
        if rate:
            await asyncio.sleep(max(0.0, start + (i + 1) / rate - time.monotonic()))
    await reader
    elapsed = time.monotonic() - start
    await producer.stop()
    await consumer.stop()
    return Figures(count / elapsed, *percentiles(latencies))


async def raw_store(uri: str, database: str, count: int) -> tuple[float, float, float]:
    """The store alone, on the same server in the same run: single-document inserts per second,
    then single-document updates by `_id` per second, one at a time (1 kB documents); then
    inserts 8 at a time, as the three services together issue them."""
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(uri)
    collection = client[database]["raw"]
    try:
        start = time.monotonic()
        for i in range(count):
            await collection.insert_one({"_id": str(i), "n": 0, "pad": "x" * 1000})
        inserts = count / (time.monotonic() - start)
        start = time.monotonic()
        for i in range(count):
            await collection.update_one({"_id": str(i)}, {"$set": {"n": 1}})
        updates = count / (time.monotonic() - start)
        start = time.monotonic()
        await asyncio.gather(*(_insert_every(collection, k, 8, count) for k in range(8)))
        concurrent = count / (time.monotonic() - start)
        await client.drop_database(database)
    finally:
        await client.close()
    return inserts, updates, concurrent


async def _insert_every(collection: Any, first: int, step: int, count: int) -> None:
    for i in range(first, count, step):
        await collection.insert_one({"_id": f"c{i}", "n": 0, "pad": "x" * 1000})


def people(count: int, run: str, program_size: int = 0) -> list[dict[str, Any]]:
    """Pairs of complementary people (one younger, one older): in one program, or in programs of
    `program_size` people."""
    young = [Skill.SOCIAL_MEDIA, Skill.AI_TOOLS, Skill.DATA_ANALYSIS]
    old = [Skill.STRATEGY, Skill.LEADERSHIP, Skill.NEGOTIATION]
    out = []
    for i in range(count):
        is_young = i % 2 == 0
        out.append(
            {
                "id": f"{run}-{i}",
                "program_id": f"bench-{run}-{i // program_size if program_size else 0}",
                "name": f"Person {i}",
                "email": f"p{i}.{run}@example.org",
                "birth_year": 1998 if is_young else 1965,
                "languages": ["en"],
                "timezone": "Europe/Berlin",
                "availability": {"tue": [{"start": "17:00", "end": "20:00"}]},
                "skills_offered": {"vocabulary": young if is_young else old},
                "skills_wanted": {"vocabulary": old if is_young else young},
                "department": f"dept-{i}",
            }
        )
    return out


@dataclass
class Sent:
    """One phase's load: when each email's profile was published (monotonic), when each profile
    entered the ingress topic (wall clock), and when the first was published."""

    published: dict[str, float]
    ingress: dict[str, float]
    start: float


async def drive(
    config: SystemConfig,
    topics: Topics,
    rows: list[dict[str, Any]],
    rate: float | None,
    recorder: ArrivalRecorder,
) -> Sent:
    """Publish the rows as ingress upserts and wait for every email."""
    commands = [ops.upsert_command(row, producer="bench") for row in rows]
    producer = AIOKafkaProducer(
        bootstrap_servers=config.kafka_bootstrap_servers, acks="all", enable_idempotence=True
    )
    await producer.start()
    sent = Sent({}, {}, time.monotonic())
    for i, command in enumerate(commands):
        sent.published[str(rows[i]["email"])] = time.monotonic()
        sent.ingress[str(rows[i]["id"])] = time.time()
        headers = [(k, v.encode()) for k, v in command.headers().items()]
        await producer.send_and_wait(
            topics.profile_updates,
            command.model_dump_json().encode(),
            key=command.data.profile_id.encode(),
            headers=headers,
        )
        if rate:
            await asyncio.sleep(max(0.0, sent.start + (i + 1) / rate - time.monotonic()))
    await producer.stop()
    deadline = time.monotonic() + 120 + len(rows) / 20
    # The SMTP server runs in its own thread, so poll rather than await an event.
    while not sent.published.keys() <= recorder.accepted.keys() and time.monotonic() < deadline:  # noqa: ASYNC110
        await asyncio.sleep(0.2)
    arrived = sum(1 for e in sent.published if e in recorder.accepted)
    if arrived < len(sent.published):
        print(f"incomplete: {arrived} of {len(sent.published)} emails accepted before the deadline")
    return sent


async def results(
    config: SystemConfig, topics: Topics, sent: Sent, recorder: ArrivalRecorder
) -> tuple[Figures, str]:
    """Events per second and latency per completed pair, and the table of where it went
    (`bench/stages.py`); read from the topics after the phase, so its CPU is not the phase's."""
    latencies = await pair_latencies(config, topics, sent.published, recorder)
    end = max(
        (recorder.accepted[e] for e in sent.published if e in recorder.accepted),
        default=time.monotonic(),
    )
    where = await stages.hops(
        config.kafka_bootstrap_servers,
        topics,
        stages.Stamps(ingress=sent.ingress, accepted=recorder.accepted_wall),
    )
    rate = len(sent.published) / (end - sent.start)
    return Figures(rate, *percentiles(latencies or [float("nan")] * 2)), where


async def pair_latencies(
    config: SystemConfig, topics: Topics, published: dict[str, float], recorder: ArrivalRecorder
) -> list[float]:
    """For each pair: email accepted minus the publish time of the later of its two profiles."""
    histories = await ops.pairing_histories(config.kafka_bootstrap_servers, topics.pairings)
    out = []
    for events in histories.values():
        data: Any = events[0].data
        emails = [data.younger.email.lower(), data.older.email.lower()]
        if all(e in published and e in recorder.accepted for e in emails):
            completed = max(published[e] for e in emails)
            out += [recorder.accepted[e] - completed for e in emails]
    return out


def report(
    raw_burst: Figures,
    raw_steady: Figures,
    burst: Figures,
    steady: Figures,
    rate: float,
    store: tuple[float, float, float],
) -> None:
    print(f"{'':34}{'events/s':>10}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}")
    for name, f in [
        ("raw aiokafka, burst", raw_burst),
        ("pipeline, burst", burst),
        (f"raw aiokafka, steady {rate:g}/s", raw_steady),
        (f"pipeline, steady {rate:g}/s", steady),
    ]:
        print(
            f"{name:34}{f.throughput:10.1f}{f.p50 * 1e3:9.1f}{f.p95 * 1e3:9.1f}{f.p99 * 1e3:9.1f}"
        )
    print(
        f"throughput ratio (pipeline / raw, burst): {burst.throughput / raw_burst.throughput:.1%}  (target >= 50%)"
    )
    print(
        f"p99 at steady {rate:g}/s: {steady.p99 * 1e3:.0f} ms  (target < 1000 ms); "
        f"p99 ratio to raw: {steady.p99 / raw_steady.p99:.0f}x"
    )
    inserts, updates, concurrent = store
    print(
        f"raw store, one at a time: {inserts:.0f} inserts/s, {updates:.0f} updates/s; "
        f"8 at a time: {concurrent:.0f} inserts/s; "
        f"pipeline events per store insert: {burst.throughput / inserts:.3f}"
    )


@dataclass
class Run:
    """What the measured phases need besides the stack: the run's options and its observers."""

    count: int
    rate: float
    preload: int
    program_size: int
    preload_within: float
    watch: ProcessWatch
    ops_dir: Path
    pids: list[int]


async def preload(
    config: SystemConfig, topics: Topics, run: Run, recorder: ArrivalRecorder
) -> None:
    """One program at a time, each until its emails are accepted (see `bench/preload.py`), until
    all are in or `preload_within` seconds have passed."""
    rows = people(run.preload, "pre" + uuid.uuid4().hex[:6], run.program_size)
    start = time.monotonic()
    deadline = start + run.preload_within
    loaded = 0
    for first in range(0, len(rows), run.program_size):
        wave = rows[first : first + run.program_size]
        await produce_upserts(config.kafka_bootstrap_servers, topics.profile_updates, wave)
        emails = {str(row["email"]).lower() for row in wave}
        left = max(deadline - time.monotonic(), 60.0)
        if await until_all_arrived(emails, lambda: set(recorder.accepted), left) < len(emails):
            print(f"  preload: program {first // run.program_size} not matched within {left:.0f} s")
            break
        loaded += len(wave)
        if (first // run.program_size) % 10 == 9:
            print(
                f"  preload: {loaded:,} matched after {time.monotonic() - start:.0f} s", flush=True
            )
        if time.monotonic() > deadline:
            break
    matched = time.monotonic() - start
    lag = await until_idle(config.kafka_bootstrap_servers, config.topic_prefix)
    print(
        f"preload: {loaded:,} of {run.preload:,} profiles (programs of {run.program_size}) "
        f"matched and emailed in {matched:.0f} s ({loaded / matched:.1f} events/s); "
        f"consumer lag {lag} after {time.monotonic() - start:.0f} s",
        flush=True,
    )


async def measure(
    config: SystemConfig, topics: Topics, run: Run, recorder: ArrivalRecorder
) -> None:
    count, rate = run.count, run.rate
    print(load_line(), flush=True)
    store = await raw_store(config.mongodb_uri, f"{config.database_prefix}raw", count)
    raw_burst = await raw_kafka(config.kafka_bootstrap_servers, topics.notifications, count, None)
    raw_steady = await raw_kafka(config.kafka_bootstrap_servers, topics.notifications, count, rate)
    if run.preload:
        opstats.mark_phase(run.ops_dir, "preload", run.pids)
        with run.watch.phase("preload"):
            await preload(config, topics, run, recorder)
    with run.watch.phase("idle"):  # what each process uses with nothing to do: `bench/budget.py`
        await asyncio.sleep(IDLE_SECONDS)
    opstats.mark_phase(run.ops_dir, "burst", run.pids)
    with run.watch.phase("burst"):
        sent = await drive(
            config, topics, people(count, "b" + uuid.uuid4().hex[:6]), None, recorder
        )
    opstats.mark_phase(run.ops_dir, "between", run.pids)
    burst, burst_hops = await results(config, topics, sent, recorder)
    opstats.mark_phase(run.ops_dir, "steady", run.pids)
    with run.watch.phase("steady"):
        sent = await drive(
            config, topics, people(count, "s" + uuid.uuid4().hex[:6]), rate, recorder
        )
    opstats.mark_phase(run.ops_dir, "end", run.pids)
    steady, steady_hops = await results(config, topics, sent, recorder)
    report(raw_burst, raw_steady, burst, steady, rate, store)
    print(f"where a pair's latency went, burst:\n{burst_hops}")
    print(f"where a pair's latency went, steady {rate:g}/s:\n{steady_hops}")
    for phase in ("burst", "steady"):
        costs = budget.per_event(run.watch, phase, count)
        print(f"what one event cost the machine, {phase} (CPU over idle):\n{budget.table(costs)}")


def start_replica(system: BenchSystem, service: str, n: int) -> int:
    """Replica `n` of `service`, in its consumer groups beside the first, on ports of its own;
    its process id."""
    config = system.config
    prefix = service.upper() + "_"
    env = config.env(service) | system.extra
    env |= {
        f"{prefix}HTTP_PORT": str(config.ports[service] + 10 * n),
        "NOTIFIER_INBOUND_PORT": str(config.inbound_port + 10 * n),
    }
    name = f"{service} {n}"
    log = (config.log_dir / f"{name}.log").open("ab")
    system.processes[name] = subprocess.Popen(
        [sys.executable, "-m", f"services.{service}"], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    return system.processes[name].pid


def main() -> None:
    # A plain `kill` must still stop the child processes: turn SIGTERM into SystemExit.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--smtp-port", type=int, default=11025)
    parser.add_argument(
        "--http-port",
        type=int,
        default=18001,
        help="the services' ports: this one and the next two",
    )
    parser.add_argument("--preload", type=int, default=0, help="profiles stored before measuring")
    parser.add_argument(
        "--program-size", type=int, default=200, help="people per preloaded program"
    )
    parser.add_argument("--preload-within", type=float, default=1800.0, help="seconds at most")
    parser.add_argument(
        "--notifiers", type=int, default=1, help="notifier replicas (the group shares the work)"
    )
    parser.add_argument("--profile", type=Path, help="run each service under py-spy, samples here")
    args = parser.parse_args()
    config, workdir, _ = fresh_run(
        "pipeline",
        smtp_port=args.smtp_port + 1,
        ports={name: args.http_port + n for n, name in enumerate(SERVICES)},
        extra_env={"NOTIFIER_SMTP_PORT": str(args.smtp_port), "MATCHER_SETTLE_MINUTES": "0"},
    )
    topics = Topics(prefix=config.topic_prefix)
    asyncio.run(ensure_topics(config.kafka_bootstrap_servers, topics, partitions=3))
    recorder = ArrivalRecorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=args.smtp_port)
    controller.start()
    ops_dir = workdir / "opstats"
    ops_dir.mkdir()
    repo = Path(__file__).resolve().parent.parent
    system = BenchSystem(config, args.profile, opstats.env(ops_dir, repo))
    try:
        system.start()
        pids = {name: system.pid(name) for name in SERVICES}
        for n in range(2, args.notifiers + 1):
            pids[f"notifier {n}"] = start_replica(system, "notifier", n)
        # The bench itself too: it drives the load and is the SMTP server every email goes to.
        watch = ProcessWatch(pids | stack_pids(repo) | {"bench (SMTP server)": os.getpid()})
        options = Run(
            args.people,
            args.rate,
            args.preload,
            args.program_size,
            args.preload_within,
            watch,
            ops_dir,
            [*pids.values()],
        )
        asyncio.run(measure(config, topics, options, recorder))
    finally:
        for n in range(2, args.notifiers + 1):
            system.stop_service(f"notifier {n}")
        system.stop()
        controller.stop()
    print(watch.table())
    for phase in ("preload", "burst", "steady"):
        if (ops_dir / phase).exists():
            print(opstats.summary(ops_dir, phase))
    for samples in sorted(args.profile.glob("*.txt")) if args.profile else []:
        print(hot_frames(samples))
    print(json.dumps({"logs": str(config.log_dir)}))


if __name__ == "__main__":
    main()
