"""Periodic measurements for the metrics: consumer lag of each group, and pairings by state.

Lag is what a group has committed against the end of each partition, read with the admin client
and a group-less consumer, so it covers every replica of the group and not just this one.
"""

import asyncio
from collections.abc import Mapping

import structlog
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError

from services.matcher import metrics
from services.matcher.usecases.ports import PairingStore
from shared.mongo import StoreUnavailable

log = structlog.get_logger(__name__)


class LagProbe:
    def __init__(self, bootstrap_servers: str, *, groups: Mapping[str, str]) -> None:
        """`groups` maps a consumer group id to the topic it reads."""
        self._groups = dict(groups)
        self._admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers)
        self._consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap_servers)

    async def start(self) -> None:
        await self._admin.start()
        await self._consumer.start()

    async def stop(self) -> None:
        await self._consumer.stop()
        await self._admin.close()

    async def lag(self, group: str) -> int:
        topic = self._groups[group]
        [described] = await self._admin.describe_topics([topic])
        numbers = sorted(p["partition"] for p in described["partitions"])
        partitions = [TopicPartition(topic, n) for n in numbers]
        committed = await self._admin.list_consumer_group_offsets(group, partitions=partitions)
        starts = await self._consumer.beginning_offsets(partitions)
        ends = await self._consumer.end_offsets(partitions)
        return sum(
            ends[tp] - max(starts[tp], committed[tp].offset if tp in committed else -1)
            for tp in partitions
        )

    async def measure(self) -> None:
        for group, topic in self._groups.items():
            metrics.CONSUMER_LAG.labels(group, topic).set(await self.lag(group))


async def monitor(probe: LagProbe, pairings: PairingStore, *, every: float) -> None:
    """Refresh the measured metrics until cancelled; a failed round is logged and retried."""
    while True:
        try:
            await probe.measure()
            for state, count in (await pairings.count_by_state()).items():
                metrics.PAIRINGS.labels(state).set(count)
        except (KafkaError, StoreUnavailable) as exc:
            log.warning("monitor_round_failed", error=type(exc).__name__)
        await asyncio.sleep(every)
