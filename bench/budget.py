"""What one event costs the whole machine in CPU, and so how many events per second its cores
can carry at most, whatever the pipeline's code does with its waits. Pure.

Each process's CPU in a phase, less what it uses idle (measured in an idle phase of the same run:
the broker and the store tick over even with nothing to do), divided by the phase's events. The
sum over every process is the CPU one event costs; the cores divided by it is the ceiling. The
shares say which processes a faster pipeline would have to make cheaper: a ceiling that the
broker, the store and the bench's own SMTP server already reach leaves the services nothing.
"""

import os
from collections.abc import Iterable

from bench.procwatch import ProcessWatch

OUTSIDE = ("ferretdb", "kafka", "bench")
"""Labels (by prefix) of the processes that are not the project's services."""


def per_event(watch: ProcessWatch, phase: str, events: int, idle: str = "idle") -> dict[str, float]:
    """Milliseconds of CPU per event of each process in `phase`, over its idle rate."""
    wall = watch.walls[phase]
    idle_rate = {
        label: u.cpu_used / watch.walls[idle] for label, u in watch.phases.get(idle, {}).items()
    }
    return {
        label: max(0.0, u.cpu_used - idle_rate.get(label, 0.0) * wall) * 1000 / events
        for label, u in watch.phases[phase].items()
    }


def outside(labels: Iterable[str]) -> list[str]:
    return [label for label in labels if label.startswith(OUTSIDE)]


def table(costs: dict[str, float], cores: int | None = None) -> str:
    """The cost per process, the sum, the ceiling it sets, and the share outside the services."""
    cores = cores or os.cpu_count() or 1
    total = sum(costs.values())
    rest = sum(costs[label] for label in outside(costs))
    lines = [f"{'process':24}{'CPU ms/event':>14}"]
    lines += [f"{label:24}{ms:14.2f}" for label, ms in costs.items()]
    lines.append(f"{'all':24}{total:14.2f}")
    if total > 0:
        lines.append(
            f"{cores} cores carry at most {cores * 1000 / total:.0f} events/s at this cost; "
            f"the broker, the store and the bench alone ({rest:.2f} ms) at most "
            f"{cores * 1000 / rest if rest else float('inf'):.0f} events/s"
        )
    return "\n".join(lines)
