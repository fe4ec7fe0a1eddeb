"""The matcher's Prometheus metrics (process-wide, like the registry they live in)."""

import contextlib

from prometheus_client import Counter, Gauge, Histogram


class _PoolSize:
    """People open to matching, per program this replica owns; a program it loses is removed."""

    def __init__(self) -> None:
        self._gauge = Gauge(
            "matcher_pool_size", "Opted-in people per program owned by this replica.", ["program"]
        )

    def labels(self, program_id: str) -> Gauge:
        return self._gauge.labels(program_id)

    def remove_program(self, program_id: str) -> None:
        with contextlib.suppress(KeyError):
            self._gauge.remove(program_id)


POOL_SIZE = _PoolSize()
SOLVE_SECONDS = Histogram(
    "matcher_solve_seconds",
    "Time the engine takes to propose pairs for one step.",
    buckets=(0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
STEP_SECONDS = Histogram(
    "matcher_step_seconds",
    "Time of one program step, store and publishing included.",
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)
TRANSITIONS = Counter(
    "matcher_pairing_transitions_total", "Pairing state changes this replica stored.", ["state"]
)
PAIRINGS = Gauge("matcher_pairings", "Pairings in the store by state.", ["state"])
CONSUMER_LAG = Gauge(
    "matcher_consumer_lag", "Messages not yet committed by a consumer group.", ["group", "topic"]
)
WORK_ITEMS = Counter("matcher_work_items_total", "Work items handled, by kind.", ["kind"])
