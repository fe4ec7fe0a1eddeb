"""Periodic measurements for the metrics: consumer lag of each group, and pairings by state.

Lag is measured by `shared.lag.LagProbe`, so it covers every replica of a group, not just this one.
Pairings are counted less often: the count is one aggregation over every pairing, which the local
store (FerretDB v1) answers by reading the whole collection (about 1 s at 20,000 documents).
"""

import asyncio
from collections.abc import Mapping

import structlog
from aiokafka.errors import KafkaError

from services.matcher import metrics
from services.matcher.usecases.ports import PairingStore
from shared.errors import StoreUnavailable
from shared.lag import LagProbe

log = structlog.get_logger(__name__)


async def measure_lag(probe: LagProbe, groups: Mapping[str, str]) -> None:
    """`groups` maps a consumer group id to the topic it reads."""
    for group, topic in groups.items():
        metrics.CONSUMER_LAG.labels(group, topic).set(await probe.lag(group, topic))


async def count_pairings(pairings: PairingStore) -> None:
    for state, count in (await pairings.count_by_state()).items():
        metrics.PAIRINGS.labels(state).set(count)


async def monitor(
    probe: LagProbe,
    groups: Mapping[str, str],
    pairings: PairingStore,
    *,
    every: float,
    count_every: float,
) -> None:
    """Refresh lag every `every` seconds and the pairings by state every `count_every`, until
    cancelled; a failed round is logged and retried."""
    loop = asyncio.get_running_loop()
    next_count = loop.time()
    while True:
        try:
            await measure_lag(probe, groups)
            if loop.time() >= next_count:
                await count_pairings(pairings)
                next_count = loop.time() + count_every
        except (KafkaError, StoreUnavailable) as exc:
            log.warning("monitor_round_failed", error=type(exc).__name__)
        await asyncio.sleep(every)
