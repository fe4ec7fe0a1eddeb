"""Fill the running pipeline with an organisation before a measured run, through its real path.

The profiles go in as ingress upserts, produced in bulk (not one awaited send each, so the
producer is never what the preload waits on), one program at a time: a program is in once every
member's email was accepted (so it was matched and announced). One program at a time keeps the
profiles outbox below one relay batch (500): with a larger backlog, the relay of this build sweeps
the same 500 already-published records again and again, and publishes nothing more. The preload
is done when no consumer group of the run has anything left to read: the measured events then
meet full collections and an idle pipeline.
"""

import asyncio
import time
from collections.abc import Callable
from typing import Any

from aiokafka import AIOKafkaProducer

from deploy import ops
from shared.lag import LagProbe


async def produce_upserts(bootstrap: str, topic: str, rows: list[dict[str, Any]]) -> None:
    """Every row as an ingress upsert keyed by its id, pipelined in chunks of 1,000 sends."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True)
    await producer.start()
    try:
        for start in range(0, len(rows), 1000):
            sends = []
            for row in rows[start : start + 1000]:
                command = ops.upsert_command(row, producer="bench")
                headers = [(k, v.encode()) for k, v in command.headers().items()]
                value = command.model_dump_json().encode()
                key = command.data.profile_id.encode()
                sends.append(await producer.send(topic, value, key=key, headers=headers))
            await asyncio.gather(*sends)
    finally:
        await producer.stop()


async def until_all_arrived(
    emails: set[str], arrived: Callable[[], set[str]], within: float
) -> int:
    """Wait until every address in `emails` got its email; returns how many did."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if len(emails & arrived()) == len(emails):
            return len(emails)
        await asyncio.sleep(0.2)  # the SMTP server runs in its own thread: poll
    return len(emails & arrived())


async def until_idle(bootstrap: str, topic_prefix: str, within: float = 300.0) -> int:
    """Wait until every consumer group has committed the end of each of the run's topics, twice
    in a row with nothing new produced in between; returns the lag left (0 when idle)."""
    deadline = time.monotonic() + within
    previous: dict[tuple[str, int], int] | None = None
    lag = -1
    async with LagProbe(bootstrap) as probe:
        while time.monotonic() < deadline:
            rows = [
                row
                for group in await probe.groups()
                for row in await probe.committed(group)
                if row.topic.startswith(topic_prefix)
            ]
            ends = {(row.topic, row.partition): row.end for row in rows}
            lag = sum(row.lag for row in rows)
            if lag == 0 and ends == previous:
                return 0
            previous = ends if lag == 0 else None
            await asyncio.sleep(2)
    return lag
