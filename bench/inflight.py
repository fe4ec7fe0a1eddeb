"""What concurrency does to a point operation on the local store, and what a second writer does.

    python -m bench.inflight [--ops 1500] [--store-pid PID]

Point reads, inserts and updates by `_id` (1.5 kB documents) with 1, 8 and 32 operations in
flight from one client, as the services issue them (the batched consumer handles 32 keys at a
time, the matcher reads 16 people at a time): operations per second, p50 and p99 latency, and,
with `--store-pid`, the store process's CPU per operation. Then two writers at once, a loop of
`update x32` commands and a loop of single inserts, first on one database (one SQLite file on
FerretDB, whose busy handler makes a waiting writer sleep 1, 2, 5, 10, ... ms) and then on two.
Needs the local stack (started if needed).
"""

import argparse
import asyncio
import os
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from pymongo import AsyncMongoClient, UpdateOne

from bench.procwatch import load_line
from deploy.processes import start_local_stack

Collection = Any
PAD = "x" * 1500


def store_cpu(pid: int | None) -> float:
    """Seconds of CPU the store process has used so far (0 without a pid)."""
    if pid is None:
        return 0.0
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()  # noqa: PTH123, SIM115
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def quantile(samples: list[float], q: int) -> float:
    return statistics.quantiles(samples, n=100)[q - 1]


async def in_flight(coll: Collection, kind: str, n: int, ops: int, pid: int | None) -> str:
    op: Callable[[int], Awaitable[Any]] = {
        "read": lambda i: coll.find_one({"_id": f"d{i % 1000}"}),
        "insert": lambda i: coll.insert_one({"_id": f"n{uuid.uuid4().hex}", "pad": PAD}),
        "update": lambda i: coll.update_one({"_id": f"d{i % 1000}"}, {"$set": {"n": i}}),
    }[kind]
    latencies: list[float] = []
    numbers = iter(range(ops))

    async def worker() -> None:
        for i in numbers:
            started = time.perf_counter()
            await op(i)
            latencies.append((time.perf_counter() - started) * 1000)

    cpu, started = store_cpu(pid), time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(n)))
    elapsed, cpu = time.perf_counter() - started, store_cpu(pid) - cpu
    per_op = f"; store CPU {1000 * cpu / ops:.2f} ms/op" if pid else ""
    return (
        f"{kind:6} {n:2} in flight: {ops / elapsed:6.0f}/s, p50 {quantile(latencies, 50):5.1f} ms,"
        f" p99 {quantile(latencies, 99):6.1f} ms{per_op}"
    )


async def two_writers(updated: Collection, inserted: Collection, seconds: float) -> str:
    """A loop of `update x32` beside a loop of single inserts, for `seconds`."""
    updates: list[float] = []
    inserts: list[float] = []
    stop = time.monotonic() + seconds

    async def update_loop() -> None:
        r = 0
        while time.monotonic() < stop:
            r += 1
            batch = [
                UpdateOne({"_id": f"d{(r * 32 + i) % 1000}"}, {"$set": {"n": r}}) for i in range(32)
            ]
            started = time.perf_counter()
            await updated.bulk_write(batch, ordered=False)
            updates.append((time.perf_counter() - started) * 1000)

    async def insert_loop() -> None:
        while time.monotonic() < stop:
            started = time.perf_counter()
            await inserted.insert_one({"_id": f"w{uuid.uuid4().hex}", "pad": PAD})
            inserts.append((time.perf_counter() - started) * 1000)

    await asyncio.gather(update_loop(), insert_loop())
    return (
        f"update x32 p50 {quantile(updates, 50):.0f} ms, p90 {quantile(updates, 90):.0f} ms"
        f" ({len(updates)}); insert p50 {quantile(inserts, 50):.1f} ms,"
        f" p99 {quantile(inserts, 99):.0f} ms ({len(inserts)} in {seconds:g} s)"
    )


async def seeded(client: AsyncMongoClient[Any], database: str) -> Collection:
    coll = client[database]["docs"]
    await coll.insert_many([{"_id": f"d{i}", "n": 0, "pad": PAD} for i in range(1000)])
    await asyncio.sleep(0.5)  # the local store's `_id` index is added as collections appear
    return coll


async def main(uri: str, ops: int, pid: int | None) -> None:
    print(load_line(), flush=True)
    client: AsyncMongoClient[Any] = AsyncMongoClient(uri)
    run = f"inflight_{uuid.uuid4().hex[:6]}"
    names = [f"{run}_a", f"{run}_b"]
    try:
        coll = await seeded(client, names[0])
        for kind in ("read", "insert", "update"):
            for n in (1, 8, 32):
                print(await in_flight(coll, kind, n, ops, pid), flush=True)
        other = await seeded(client, names[1])
        same = await two_writers(coll, client[names[0]]["more"], 4)
        print(f"two writers, one database:  {same}", flush=True)
        apart = await two_writers(coll, other, 4)
        print(f"two writers, two databases: {apart}", flush=True)
    finally:
        for name in names:
            await client.drop_database(name)
        await client.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--ops", type=int, default=1500)
    parser.add_argument("--store-pid", type=int, help="the store's process, for its CPU per op")
    args = parser.parse_args()
    endpoints = start_local_stack()
    asyncio.run(main(endpoints["MONGODB_URI"], args.ops, args.store_pid))
