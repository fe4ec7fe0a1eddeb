"""Waits until the broker and the store answer, then creates the system's topics.

Used by `stack.sh start`; exits non-zero with a one-line reason when either never answers.
"""

import argparse
import asyncio
import logging
import os
import sys
import time

from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError

from shared.kafka import ensure_topics
from shared.mongo import mongo_client, ping
from shared.retry import poll
from shared.topics import Topics


async def wait_for_kafka(bootstrap: str, deadline: float) -> None:
    errors: list[BaseException] = []

    async def answers() -> bool:
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=5000)
        try:
            await admin.start()
            await admin.list_topics()
            return True
        except (KafkaError, OSError) as exc:
            errors.append(exc)
            return False
        finally:
            await admin.close()

    if not await poll(answers, within=deadline - time.monotonic(), every=1):
        raise TimeoutError(f"Kafka at {bootstrap} did not answer: {errors[-1]!r}")


async def wait_for_mongo(uri: str, deadline: float) -> None:
    client = mongo_client(uri, timeout_ms=2000)
    try:
        if not await poll(lambda: ping(client), within=deadline - time.monotonic(), every=0.5):
            raise TimeoutError(f"the MongoDB-protocol store at {uri} did not answer")
    finally:
        await client.close()


async def main(args: argparse.Namespace) -> None:
    logging.getLogger("aiokafka").setLevel(logging.CRITICAL)
    deadline = time.monotonic() + args.timeout
    await asyncio.gather(wait_for_kafka(args.kafka, deadline), wait_for_mongo(args.mongo, deadline))
    topics = Topics(prefix=os.environ.get("TOPIC_PREFIX", ""))
    created = await ensure_topics(args.kafka, topics, partitions=args.partitions)
    print(f"healthy; created {len(created)} topics", file=sys.stderr)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--kafka", required=True)
    parser.add_argument("--mongo", required=True)
    parser.add_argument("--partitions", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=120)
    try:
        asyncio.run(main(parser.parse_args()))
    except TimeoutError as exc:
        sys.exit(str(exc))
