"""The matcher's I/O path on the real broker and store: profile events in, PairingProposed out.

    python -m bench.matcher_io_bench [--pairs 1000] [--changes 20]

Runs one matcher app in-process on the local stack (KAFKA_BOOTSTRAP_SERVERS / MONGODB_URI, or
the defaults) and reports, in one run:
- baseline: a raw aiokafka produce -> consume round trip on the same broker;
- a burst: 2 x `--pairs` profiles of one program published at once; seconds until every
  PairingProposed is on the topic, and people per second;
- single changes in that program, one at a time: latency from publishing the second person of a
  new complementary pair to its PairingProposed (batching window included);
and the ratios against the baseline.
"""

import argparse
import asyncio
import statistics
import time
import uuid

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from pydantic import TypeAdapter

from services.matcher.app import create_app
from services.matcher.settings import MatcherSettings
from shared.envelope import utc_now
from shared.events import PairingEvent, ProfileChanged
from shared.kafka import encode, ensure_topics
from shared.logging import configure_logging
from shared.mongo import mongo_client
from shared.profile import ProfileFields, ProfileSnapshot
from shared.topics import Topics

EVENTS: TypeAdapter[PairingEvent] = TypeAdapter(PairingEvent)


def person(person_id: str, program: str, craft: str, *, young: bool) -> ProfileSnapshot:
    offers, wants = (craft, f"lore-{craft}") if young else (f"lore-{craft}", craft)
    fields = ProfileFields(
        program_id=program,
        name=f"Person {person_id}",
        email=f"{person_id}@example.org",
        birth_year=1998 if young else 1965,
        languages=["en"],
        timezone="Europe/Berlin",
        availability={"tue": [{"start": "17:00", "end": "20:00"}]},
        skills_offered={"extras": [offers]},
        skills_wanted={"extras": [wants]},
        department="Digital" if young else "Finance",
    )
    return ProfileSnapshot(**fields.model_dump(), id=person_id, version=1, updated_at=utc_now())


async def send(producer: AIOKafkaProducer, topic: str, snapshot: ProfileSnapshot) -> None:
    event = ProfileChanged(producer="bench", data=snapshot)
    await producer.send(topic, encode(event), key=snapshot.id.encode())


async def raw_round_trip(bootstrap: str, topic: str, samples: int) -> float:
    """Median seconds from producing one record to a plain consumer receiving it."""
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, auto_offset_reset="latest")
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await consumer.start()
    await producer.start()
    await asyncio.sleep(1)
    times = []
    try:
        for _ in range(samples):
            start = time.perf_counter()
            await producer.send_and_wait(topic, b"{}")
            await consumer.getone()
            times.append(time.perf_counter() - start)
    finally:
        await producer.stop()
        await consumer.stop()
    return statistics.median(times)


class Proposals:
    def __init__(self, bootstrap: str, topic: str) -> None:
        self.seen: dict[str, float] = {}  # younger id -> when its proposal arrived
        self._consumer = AIOKafkaConsumer(
            topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest"
        )

    async def run(self) -> None:
        await self._consumer.start()
        try:
            async for record in self._consumer:
                event = EVENTS.validate_json(record.value or b"")
                if event.event_type == "pairing.proposed":
                    self.seen[event.data.younger.id] = time.perf_counter()
        finally:
            await self._consumer.stop()

    async def wait(self, count: int, within: float) -> None:
        deadline = time.perf_counter() + within
        while len(self.seen) < count:
            if time.perf_counter() > deadline:
                raise TimeoutError(f"{len(self.seen)} of {count} proposals")
            await asyncio.sleep(0.01)


async def main(pairs: int, changes: int) -> None:
    configure_logging(service="matcher", level="INFO", json=True)
    run = uuid.uuid4().hex[:8]
    settings = MatcherSettings(
        topic_prefix=f"bench{run}.", mongodb_database=f"bench{run}", settle_minutes=0
    )
    topics: Topics = settings.topics
    bootstrap = settings.kafka_bootstrap_servers
    await ensure_topics(bootstrap, topics)
    program = f"{run}-p"
    baseline = await raw_round_trip(bootstrap, topics.notifications, 20)

    proposals = Proposals(bootstrap, topics.pairings)
    watcher = asyncio.create_task(proposals.run())
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5)
    await producer.start()
    app = create_app(settings)
    try:
        async with app.router.lifespan_context(app):
            start = time.perf_counter()
            for n in range(pairs):
                await send(
                    producer, topics.profile_changes, person(f"y{n}", program, f"c{n}", young=True)
                )
                await send(
                    producer, topics.profile_changes, person(f"o{n}", program, f"c{n}", young=False)
                )
            await producer.flush()
            await proposals.wait(pairs, within=600)
            burst = time.perf_counter() - start
            latencies = []
            for n in range(pairs, pairs + changes):
                await send(
                    producer, topics.profile_changes, person(f"y{n}", program, f"c{n}", young=True)
                )
                await producer.flush()
                await asyncio.sleep(0.5)
                start = time.perf_counter()
                await send(
                    producer, topics.profile_changes, person(f"o{n}", program, f"c{n}", young=False)
                )
                await producer.flush()
                await proposals.wait(n + 1, within=60)
                latencies.append(proposals.seen[f"y{n}"] - start)
    finally:
        await producer.stop()
        watcher.cancel()
        client = mongo_client(settings.mongodb_uri)
        await client.drop_database(settings.mongodb_database)
        await client.close()

    single = statistics.median(latencies)
    print(f"baseline raw round trip (median):      {baseline * 1000:8.1f} ms")
    print(
        f"burst of {2 * pairs} people -> {pairs} proposals:  {burst:8.2f} s  ({2 * pairs / burst:.0f} people/s)"
    )
    print(
        f"single change -> proposal (median):    {single * 1000:8.1f} ms  (p90 {sorted(latencies)[int(0.9 * len(latencies))] * 1000:.1f} ms)"
    )
    print(f"  batching window:                     {settings.batch_window_ms:8d} ms")
    print(f"ratio single change / raw round trip:  {single / baseline:8.1f}x")
    print(
        f"ratio (single change - window) / raw:  {(single - settings.batch_window_ms / 1000) / baseline:8.1f}x"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pairs", type=int, default=1000)
    parser.add_argument("--changes", type=int, default=20)
    args = parser.parse_args()
    asyncio.run(main(args.pairs, args.changes))
