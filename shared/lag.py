"""Consumer lag: what a group has committed against the end of each partition.

Read with the admin client and a group-less consumer, so it covers every member of the group, not
just this process. The matcher's metrics and the operator CLI (`rmp lag`) both measure it here.
"""

from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

NOTHING_COMMITTED = -1


@dataclass(frozen=True)
class Lag:
    """One partition of one group. A group that committed nothing there (`committed` is -1), or
    committed less than the log still holds, would start at the log's first record (`start`)."""

    group: str
    topic: str
    partition: int
    committed: int
    end: int
    start: int = 0

    @property
    def lag(self) -> int:
        return max(self.end - max(self.start, self.committed), 0)


class LagProbe:
    """Clients are made in `start`, so a probe that failed to start can be started again."""

    def __init__(self, bootstrap_servers: str) -> None:
        self._bootstrap = bootstrap_servers
        self._admin: AIOKafkaAdminClient | None = None
        self._consumer: AIOKafkaConsumer | None = None

    async def start(self) -> None:
        admin = AIOKafkaAdminClient(bootstrap_servers=self._bootstrap)
        await admin.start()
        consumer = AIOKafkaConsumer(bootstrap_servers=self._bootstrap, enable_auto_commit=False)
        try:
            await consumer.start()
        except Exception:
            await admin.close()
            raise
        self._admin, self._consumer = admin, consumer

    async def stop(self) -> None:
        if self._consumer is not None:
            await self._consumer.stop()
        if self._admin is not None:
            await self._admin.close()
        self._admin = self._consumer = None

    async def __aenter__(self) -> "LagProbe":
        await self.start()
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.stop()

    def _clients(self) -> tuple[AIOKafkaAdminClient, AIOKafkaConsumer]:
        if self._admin is None or self._consumer is None:
            raise RuntimeError("the lag probe is not started")
        return self._admin, self._consumer

    async def groups(self) -> list[str]:
        """Every consumer group the cluster knows."""
        admin, _ = self._clients()
        return sorted(group[0] for group in await admin.list_consumer_groups())

    async def committed(self, group: str) -> list[Lag]:
        """Every partition `group` has committed on, by topic and partition."""
        admin, _ = self._clients()
        offsets = await admin.list_consumer_group_offsets(group)
        return await self._rows(group, sorted(offsets), {tp: m.offset for tp, m in offsets.items()})

    async def of_topic(self, group: str, topic: str) -> list[Lag]:
        """Every partition of `topic`, whether `group` has committed on it or not."""
        admin, _ = self._clients()
        [described] = await admin.describe_topics([topic])
        partitions = [
            TopicPartition(topic, n)
            for n in sorted(p["partition"] for p in described["partitions"])
        ]
        offsets = await admin.list_consumer_group_offsets(group, partitions=partitions)
        return await self._rows(group, partitions, {tp: m.offset for tp, m in offsets.items()})

    async def lag(self, group: str, topic: str) -> int:
        """What `group` has yet to commit on `topic`, over all its partitions."""
        return sum(row.lag for row in await self.of_topic(group, topic))

    async def _rows(
        self, group: str, partitions: list[TopicPartition], committed: dict[TopicPartition, int]
    ) -> list[Lag]:
        _, consumer = self._clients()
        if not partitions:
            return []
        starts = await consumer.beginning_offsets(partitions)
        ends = await consumer.end_offsets(partitions)
        return [
            Lag(
                group,
                tp.topic,
                tp.partition,
                committed=committed.get(tp, NOTHING_COMMITTED),
                end=ends[tp],
                start=starts[tp],
            )
            for tp in partitions
        ]
