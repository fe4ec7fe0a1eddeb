"""What one event costs the matcher in store commands, counted by shape, not estimated.

    python -m bench.matcher_event_cost [--pairs 60] [--events 20]

Runs the matcher in this process on the local stack (started if needed), with topics and a
database of its own. One program is filled with `--pairs` young/old pairs through the profile
stream (they get proposed), then four phases of `--events` events each run, each until every
consumer group has read everything: new people (as pairs that will be proposed), changed
members (a new name), answers (both sides accept: `--events` answers, half as many
activations), and ends (one side ends an active pairing, which frees its slots). For each phase
it prints the store commands the matcher sent per event, by shape (`bench.opstats.shape`:
command, collection, the filter's field names; any filter but `{_id}` reads the whole collection
on the local store). The sweeper and the monitor are held off: they run per interval, not per
event. A last phase runs one sweep, as the sweeper does every interval, with every outbox
entry counted as stuck at once: what a sweep then costs, per sweep.
"""

import argparse
import asyncio
import json
import os
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from pymongo import AsyncMongoClient, monitoring

from bench import opstats
from bench.preload import until_idle
from bench.profiled import fresh_run
from services.matcher.adapters.sweeper import Sweeper
from services.matcher.app import create_app
from services.matcher.runtime import current
from services.matcher.settings import MatcherSettings
from shared.commands import PairingAnswer, RespondToPairing
from shared.envelope import Envelope
from shared.events import ProfileChanged
from shared.kafka import ensure_topics, make_broker
from shared.profile import ProfileSnapshot
from shared.publisher import BrokerPublisher, Message
from shared.settings import CommonSettings
from shared.topics import Topics
from tests.builders.matcher import old, young

DAY = 86_400.0


def pair(n: int, program: str) -> list[ProfileSnapshot]:
    craft = f"craft{n}"
    return [
        young(f"y{n}", craft=craft, program=program),
        old(f"o{n}", craft=craft, program=program),
    ]


def per_event(recorder: opstats.Recorder, events: int) -> dict[str, str]:
    """Round trips and documents per event since the last call, by shape; and start afresh."""
    with recorder.lock:
        counted = {label: int(count) for label, (count, _) in recorder.totals.items()}
        recorder.totals.clear()
    trips: dict[str, list[int]] = {}
    for label, count in counted.items():
        shape, _, size = label.rpartition(" x")
        shape, n = (shape, int(size)) if size.isdigit() else (label, 1)
        totals = trips.setdefault(shape, [0, 0])
        totals[0] += count
        totals[1] += count * n
    return {
        shape: f"{n / events:.2f} round trips, {docs / events:.2f} documents"
        for shape, (n, docs) in sorted(trips.items())
        if "endSessions" not in shape
    }


async def measure(pairs: int, events: int) -> dict[str, dict[str, str]]:
    config, _, run = fresh_run("matcher-cost")
    topics = Topics(prefix=config.topic_prefix)
    bootstrap, database = config.kafka_bootstrap_servers, f"{config.database_prefix}matcher"
    await ensure_topics(bootstrap, topics)
    observer: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(config.mongodb_uri)
    recorder = opstats.Recorder()
    monitoring.register(recorder)  # every client made from now on: the matcher's
    settings = MatcherSettings(
        kafka_bootstrap_servers=bootstrap,
        mongodb_uri=config.mongodb_uri,
        topic_prefix=config.topic_prefix,
        mongodb_database=database,
        sweep_interval_seconds=DAY,
        lag_interval_seconds=DAY,
        settle_minutes=0,  # pairs as soon as both people are there, as before settle windows
    )
    program, found = f"prog-{run}", dict[str, dict[str, str]]()
    broker = make_broker(CommonSettings(kafka_bootstrap_servers=bootstrap), client_id="cost")
    app = create_app(settings)
    async with broker, app.router.lifespan_context(app):
        await broker.start()
        publisher = BrokerPublisher(broker)

        async def send(topic: str, key: str, event: Envelope) -> None:
            await publisher.publish(Message.of(topic, key, event))

        async def phase(name: str, go: Callable[[], Awaitable[int]]) -> None:
            await until_idle(bootstrap, config.topic_prefix)
            per_event(recorder, 1)
            sent = await go()
            await until_idle(bootstrap, config.topic_prefix)
            found[name] = per_event(recorder, sent) | {"events": str(sent)}

        people = [p for n in range(pairs) for p in pair(n, program)]
        for person in people:
            await send(topics.profile_changes, person.id, ProfileChanged(producer="b", data=person))
        pairings = observer[database]["pairings"]

        async def new_people() -> int:
            added = [p for n in range(pairs, pairs + events // 2) for p in pair(n, program)]
            for person in added:
                event = ProfileChanged(producer="b", data=person)
                await send(topics.profile_changes, person.id, event)
            return len(added)

        async def changed_people() -> int:
            for person in people[:events]:
                renamed = person.model_copy(update={"version": 2, "name": "Renamed"})
                event = ProfileChanged(producer="b", data=renamed)
                await send(topics.profile_changes, person.id, event)
            return len(people[:events])

        async def answers(decision: str, state: str, per_pairing: int) -> int:
            cursor = pairings.find({"program_id": program, "state": state}).sort("_id")
            sent = 0
            for doc in [d async for d in cursor][: events // per_pairing]:
                for person in doc["people"][:per_pairing]:
                    data = PairingAnswer(pairing_id=doc["_id"], person_id=person, decision=decision)
                    command = RespondToPairing(producer="b", data=data)
                    await send(topics.pairing_responses, doc["_id"], command)
                    sent += 1
            return sent

        async def preloaded() -> int:
            proposed = 0
            while proposed < pairs:  # the store is polled: nothing to wait on in this process
                await asyncio.sleep(0.5)
                proposed = await pairings.count_documents({"program_id": program})
            return 1

        await phase("preload", preloaded)
        await phase("new person", new_people)
        await phase("changed person", changed_people)
        await phase("answer (accept)", lambda: answers("accept", "proposed", 2))
        await phase("end", lambda: answers("end", "active", 1))

        async def one_sweep() -> int:
            runtime = current(app)
            hour = timedelta(hours=1)
            sweep = Sweeper(
                runtime.pairings,
                runtime.slots,
                runtime.forward,
                stuck_after=timedelta(0),
                orphan_after=hour,
                window=hour,
            )
            await sweep.sweep()
            return 1

        await phase("one sweep after them (per sweep)", one_sweep)
    await observer.close()
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pairs", type=int, default=60)
    parser.add_argument("--events", type=int, default=20)
    args = parser.parse_args()
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    found = asyncio.run(measure(args.pairs, args.events))
    found.pop("preload", None)
    print(json.dumps(found, indent=1))


if __name__ == "__main__":
    main()
