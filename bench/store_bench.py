"""The store's cost per access pattern as its collection grows: 1,000, 20,000 and 100,000 documents.

    python -m bench.store_bench [--sizes 1000,20000,100000] [--seconds 2]

Runs against MONGODB_URI (default: the local stack's FerretDB). Each access pattern that the
services use is timed one operation at a time on documents of about 1.5 KB (a profile's size), and
printed beside the same pattern at the smallest size, measured in the same run: the ratio says how
the cost grows with the collection (1.0 is flat; a scan grows with the size).
"""

import argparse
import asyncio
import itertools
import os
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from pymongo import InsertOne, UpdateOne
from pymongo.asynchronous.collection import AsyncCollection

from shared.fence import Fenced, Write
from shared.mongo import Document, mongo_client

PAD = "x" * 1400
Op = Callable[[int], Awaitable[object]]


@dataclass
class Collection:
    """The measured collection and how many documents it holds now."""

    docs: AsyncCollection[Document]
    size: int = 0

    def key(self, n: int) -> str:
        """The id of an existing document, spread over the whole collection."""
        return f"d{(n * 7919) % self.size:06d}"

    async def grow(self, to: int) -> None:
        for start in range(self.size, to, 1000):
            batch = [InsertOne(_doc(f"d{i:06d}", i)) for i in range(start, min(to, start + 1000))]
            await self.docs.bulk_write(batch, ordered=False)
        self.size = to


def patterns(
    grown: Collection, markers: AsyncCollection[Document], fences: AsyncCollection[Document]
) -> dict[str, Op]:
    """Every access pattern of the services, each a function of a running sample number."""
    fresh = itertools.count()
    docs, key = grown.docs, grown.key
    fenced = Fenced(docs, fences, field="version")

    async def bump(doc_id: str) -> Write:
        version = int((await docs.find_one({"_id": doc_id}) or {}).get("version", 1))
        update = {"$set": {"version": version + 1}}
        return Write(key=doc_id, expected=version, new=version + 1, update=update)

    async def fenced_one(n: int) -> object:
        return await fenced.write(await bump(key(n)))

    async def fenced_many(n: int) -> object:
        writes = [await bump(key(n * 50 + i)) for i in range(50)]
        return await fenced.write_many(writes)

    async def conditional(n: int) -> object:
        doc = await docs.find_one({"_id": key(n)}, {"version": 1})
        version = (doc or {}).get("version", 0)
        return await docs.update_one({"_id": key(n), "version": version}, {"$inc": {"version": 1}})

    async def batch_markers(n: int) -> object:
        batch = [{"_id": f"m{next(fresh)}-{uuid.uuid4().hex}"} for _ in range(50)]
        return await markers.insert_many(batch, ordered=False)

    async def bulk_points(n: int) -> object:
        writes = [UpdateOne({"_id": key(n + i)}, {"$set": {"seen": n}}) for i in range(50)]
        return await docs.bulk_write(writes, ordered=False)

    return {
        "insert one": lambda n: markers.insert_one({"_id": f"i{next(fresh)}-{uuid.uuid4().hex}"}),
        "insert 50 (insert_many)": batch_markers,
        "find one by _id": lambda n: docs.find_one({"_id": key(n)}),
        "update one by _id": lambda n: docs.update_one({"_id": key(n)}, {"$set": {"seen": n}}),
        "update {_id, version} (CAS)": conditional,
        "fenced write (read, fence insert, update by _id)": fenced_one,
        "50 fenced writes (50 reads, write_many)": fenced_many,
        "50 updates by _id (bulk_write)": bulk_points,
        "find by a field": lambda n: docs.find_one({"program": "p7", "n": n % 100}),
        "delete + insert by _id": lambda n: _reinsert(docs, key(n)),
    }


async def _reinsert(docs: AsyncCollection[Document], doc_id: str) -> object:
    """Versions only grow, as in the services: a fence of an older version never blocks."""
    await docs.delete_one({"_id": doc_id})
    return await docs.insert_one(_doc(doc_id, 0) | {"version": time.time_ns()})


def _doc(doc_id: str, n: int) -> Document:
    return {"_id": doc_id, "program": f"p{n % 10}", "n": n, "version": 1, "pad": PAD}


async def timed(op: Op, seconds: float) -> float:
    """Median milliseconds per call, over at least 5 calls and about `seconds` of calls."""
    samples: list[float] = []
    started = time.perf_counter()
    for n in itertools.count():
        if n >= 5 and time.perf_counter() - started > seconds:
            break
        t0 = time.perf_counter()
        await op(n)
        samples.append((time.perf_counter() - t0) * 1000)
    return statistics.median(samples)


async def main(sizes: list[int], seconds: float) -> None:
    client = mongo_client(os.environ.get("MONGODB_URI", "mongodb://127.0.0.1:27017/"))
    name = f"bench_store_{uuid.uuid4().hex[:8]}"
    db = client[name]
    try:
        grown = Collection(db["docs"])
        ops = patterns(grown, db["markers"], db["fences"])
        table: dict[str, list[float]] = {label: [] for label in ops}
        for size in sizes:
            await grown.grow(size)
            await asyncio.sleep(0.5)  # let the local store add its indexes to a new collection
            for label, op in ops.items():
                table[label].append(await timed(op, seconds))
            print(f"measured at {size:,} documents", flush=True)
        header = " | ".join(f"{size:,} docs" for size in sizes)
        print(f"\n| pattern | {header} | {sizes[-1]:,} vs {sizes[0]:,} |")
        print("|---|" + "---|" * (len(sizes) + 1))
        for label, cells in table.items():
            row = " | ".join(f"{ms:.2f} ms" for ms in cells)
            print(f"| {label} | {row} | {cells[-1] / cells[0]:.1f}x |")
    finally:
        await client.drop_database(name)
        await client.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,20000,100000")
    parser.add_argument("--seconds", type=float, default=2.0, help="time per pattern and size")
    args = parser.parse_args()
    asyncio.run(main([int(s) for s in args.sizes.split(",")], args.seconds))
