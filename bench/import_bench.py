"""Profiles bulk import: rows per second until every canonical event is on the topic.

    python -m bench.import_bench [--rows 100000] [--changed 20000] [--profile DIR]

On the local stack (started if needed), with fresh topics and a fresh database, and the profiles
service running as its own process (its relay publishes what an import leaves in the outboxes):
- baselines, same run: the raw store inserting exactly the documents the service stores, in
  batches of 1,000 (`insert_many`) and one at a time (a sample); and the raw Kafka produce of
  exactly the events it publishes, pipelined;
- import: `python -m services.profiles.cli import FILE` of `--rows` new profiles, from its start
  until the last of their events can be read from the canonical topic;
- re-import (an HR sync): `--changed` of them with one field changed, the same way;
- tidy-up: from the last event until the relay has trimmed every published entry from its
  outbox (it waits for a quiet relay: see `services/profiles/marks.py`), so that the store work
  an import leaves for later is measured too.
Each figure is printed beside its baseline with the ratio, then each process's peak RSS and CPU
per phase, and the store time per operation shape the CLI and the service saw (`bench/opstats`).
"""

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from bench import opstats
from bench.procwatch import ProcessWatch, load_line, stack_pids
from bench.profiled import BenchSystem, fresh_run, hot_frames, profiled_pid, spy_command
from bench.profiles_bench import fields, stored_record
from deploy.processes import SystemConfig
from services.profiles.outbox import SENT
from services.profiles.records import to_document
from services.profiles.store import COLLECTION, MongoProfileStore
from shared import retry
from shared.kafka import ensure_topics
from shared.mongo import mongo_client
from shared.topics import Topics

REPO = Path(__file__).resolve().parent.parent
PARTITIONS = 3


@dataclass
class Job:
    """One run: where the service writes, who watches it, where the figures go."""

    config: SystemConfig
    topic: str
    watch: ProcessWatch
    ops_dir: Path
    ops_env: dict[str, str]
    service_pid: int
    profile: Path | None


async def raw_store(uri: str, database: str, rows: int, run: str) -> tuple[float, float]:
    """Inserts per second of the service's own documents: in batches of 1,000, then one at a time
    (2,000 of them), into a collection with the service's indexes."""
    documents = [to_document(stored_record(n, run)) for n in range(rows)]
    client = mongo_client(uri)
    try:
        await MongoProfileStore(client[database]).ensure_indexes()
        collection = client[database][COLLECTION]
        started = time.perf_counter()
        for start in range(0, rows, 1000):
            await collection.insert_many(documents[start : start + 1000], ordered=False)
        batched = rows / (time.perf_counter() - started)
        await (
            collection.drop()
        )  # FerretDB v1 refuses a delete_many of 100,000 (too many SQL variables)
        await MongoProfileStore(client[database]).ensure_indexes()
        sample = documents[: min(rows, 2000)]
        started = time.perf_counter()
        for document in sample:
            await collection.insert_one(document)
        single = len(sample) / (time.perf_counter() - started)
        await client.drop_database(database)
    finally:
        await client.close()
    return batched, single


async def raw_kafka(bootstrap: str, topic: str, rows: int, run: str) -> float:
    """Events per second produced (pipelined, acks=all, idempotent) of the service's own events."""
    payloads = [stored_record(n, run).outbox[-1].payload.encode() for n in range(min(rows, 20000))]
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True)
    await producer.start()
    try:
        started = time.perf_counter()
        for start in range(0, rows, 1000):
            sends = [
                await producer.send(topic, payloads[n % len(payloads)], key=f"p{n}".encode())
                for n in range(start, min(rows, start + 1000))
            ]
            await asyncio.gather(*sends)
        return rows / (time.perf_counter() - started)
    finally:
        await producer.stop()


async def published(consumer: AIOKafkaConsumer, topic: str) -> int:
    """How many records the topic holds: the sum of its partitions' end offsets."""
    partitions = [TopicPartition(topic, p) for p in range(PARTITIONS)]
    return sum((await consumer.end_offsets(partitions)).values())


def write_rows(path: Path, numbers: range, run: str, department: str) -> None:
    with path.open("w") as out:
        for n in numbers:
            row = fields(n, run).model_dump(mode="json") | {"id": f"p{n}", "department": department}
            out.write(json.dumps(row) + "\n")


async def import_until_published(
    job: "Job", path: Path, expected: int, phase: str, within: float
) -> tuple[float, float, int]:
    """Run the CLI on `path`; returns seconds until it exited, until `expected` events were on
    the topic (or `within` passed), and how many were."""
    env = job.config.env("profiles") | job.ops_env | {"BENCH_OPSTATS_NAME": "import-cli"}
    args = ["-m", "services.profiles.cli", "import", str(path)]
    command = spy_command(job.profile / f"cli-{phase}.txt") if job.profile else [sys.executable]
    log = (job.config.log_dir / f"cli-{phase}.log").open("ab")
    opstats.mark_phase(job.ops_dir, phase, [job.service_pid])
    started = time.monotonic()
    cli = await asyncio.create_subprocess_exec(
        *command, *args, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    job.watch.pids["import-cli"] = profiled_pid(cli.pid) if job.profile else cli.pid
    exited = 0.0
    count = 0
    offsets = AIOKafkaConsumer(bootstrap_servers=job.config.kafka_bootstrap_servers)
    await offsets.start()
    with job.watch.phase(phase):
        while time.monotonic() - started < within:
            if not exited and cli.returncode is not None:
                exited = time.monotonic() - started
            count = await published(offsets, job.topic)
            if count >= expected and exited:
                break
            await asyncio.sleep(0.5)
    await offsets.stop()
    return exited or float("nan"), time.monotonic() - started, count


def ratio_line(name: str, rows: int, seconds: float, base: float, base_name: str) -> str:
    rate = rows / seconds
    return (
        f"{name:<44}{rows:>8,} rows {seconds:8.1f} s {rate:8.0f} rows/s   "
        f"{base_name} {base:8.0f}/s   ratio {rate / base:.3f}"
    )


async def measure(job: Job, rows: int, changed: int, run: str, within: float) -> None:
    print(load_line(), flush=True)
    bootstrap = job.config.kafka_bootstrap_servers
    batched, single = await raw_store(job.config.mongodb_uri, f"bench{run}_raw", rows, run)
    spare = Topics(prefix=job.config.topic_prefix).notifications  # created, and unused here
    produce = await raw_kafka(bootstrap, spare, rows, run)
    print(f"raw store: {batched:.0f} inserts/s in batches of 1,000, {single:.0f}/s one at a time")
    print(f"raw Kafka: {produce:.0f} events/s produced (pipelined, acks=all)", flush=True)
    folder = Path(tempfile.mkdtemp(prefix="import-bench-rows-"))
    write_rows(folder / "new.jsonl", range(rows), run, "Finance")
    write_rows(folder / "sync.jsonl", range(changed), run, "Operations")
    cli, done, count = await import_until_published(
        job, folder / "new.jsonl", rows, "import", within
    )
    print(
        f"import of {rows:,} new rows: CLI exited after {cli:.1f} s; {count:,} events after {done:.1f} s"
    )
    print(ratio_line("import -> canonical events", rows, done, batched, "raw batched insert"))
    print(ratio_line("import, store writes (CLI run)", rows, cli, single, "raw single insert"))
    cli2, done2, count2 = await import_until_published(
        job, folder / "sync.jsonl", rows + changed, "reimport", within
    )
    print(
        f"re-import of {changed:,} changed rows: CLI exited after {cli2:.1f} s; "
        f"{count2 - count:,} events after {done2:.1f} s"
    )
    print(ratio_line("re-import -> canonical events", changed, done2, single, "raw single insert"))
    print(f"raw Kafka produce in the same run: {produce:.0f}/s")
    opstats.mark_phase(job.ops_dir, "tidy", [job.service_pid])
    with job.watch.phase("tidy"):
        trimmed, left = await until_trimmed(job.config, within)
    print(
        f"tidy-up: every published entry trimmed from its outbox {trimmed:.1f} s after the "
        f"re-import's last event ({left:,} marks left)",
        flush=True,
    )
    opstats.mark_phase(job.ops_dir, "end", [job.service_pid])


async def until_trimmed(config: SystemConfig, within: float) -> tuple[float, int]:
    """Seconds until no mark of a published entry waits for its trim (or `within` passed), and
    how many were left."""
    client = mongo_client(config.mongodb_uri)
    sent = client[f"{config.database_prefix}profiles"][SENT]
    started, left = time.monotonic(), -1

    async def emptied() -> bool:
        nonlocal left
        left = await sent.count_documents({})
        return left == 0

    try:
        await retry.poll(emptied, within=within, every=1.0)
    finally:
        await client.close()
    return time.monotonic() - started, left


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--changed", type=int, default=20_000)
    parser.add_argument("--within", type=float, default=1800.0, help="seconds allowed per phase")
    parser.add_argument("--profile", type=Path, help="run the service and CLI under py-spy")
    args = parser.parse_args()
    config, workdir, run = fresh_run(
        "import",
        ports={"profiles": 18011, "matcher": 18012, "notifier": 18013},
    )
    topics = Topics(prefix=config.topic_prefix)
    asyncio.run(ensure_topics(config.kafka_bootstrap_servers, topics, partitions=PARTITIONS))
    ops_dir = workdir / "opstats"
    ops_dir.mkdir()
    ops_env = opstats.env(ops_dir, REPO)
    config.log_dir.mkdir(parents=True)
    system = BenchSystem(config, args.profile, ops_env)
    try:
        system.start_service("profiles")
        ready(config.url("profiles"))
        pid = system.pid("profiles")
        watch = ProcessWatch({"profiles": pid} | stack_pids(REPO))
        job = Job(config, topics.profile_changes, watch, ops_dir, ops_env, pid, args.profile)
        asyncio.run(measure(job, args.rows, args.changed, run, args.within))
    finally:
        system.stop_service("profiles")
    print(watch.table())
    for phase in ("import", "reimport", "tidy"):
        print(opstats.summary(ops_dir, phase))
    for samples in sorted(args.profile.glob("*.txt")) if args.profile else []:
        print(hot_frames(samples))


def ready(url: str, within: float = 90.0) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/health/ready", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise TimeoutError(f"profiles not ready at {url}")


if __name__ == "__main__":
    main()
