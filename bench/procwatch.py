"""What each process of a bench run costs: peak resident memory and CPU, per measured phase.

A bench names its processes (the services, the store, the broker) and wraps each phase in
`watch.phase(name)`; a thread samples every process's RSS while the phase runs, and the CPU time
each used is read at both ends. On a shared 2-core machine these say which process was busy: a
pipeline whose services idle while the store burns a core is bound by the store.
"""

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import psutil

MB = 1024 * 1024


@dataclass
class Usage:
    """One process over one phase: the highest RSS sampled, and the CPU it used (100 = a core)."""

    peak_rss_mb: float = 0.0
    cpu_percent: float = 0.0
    cpu_seconds: float = 0.0  # the last CPU time read: a process that exits keeps its last
    cpu_used: float = 0.0  # CPU seconds over the phase


@dataclass
class ProcessWatch:
    pids: dict[str, int]
    interval: float = 0.25
    phases: dict[str, dict[str, Usage]] = field(default_factory=dict)
    walls: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        processes = {label: _process(pid) for label, pid in self.pids.items()}
        live = {label: p for label, p in processes.items() if p is not None}
        usage = {label: Usage() for label in live}
        cpu_before = {label: _cpu(p) for label, p in live.items()}
        stop = threading.Event()
        sampler = threading.Thread(target=self._sample, args=(live, usage, stop), daemon=True)
        started = time.monotonic()
        sampler.start()
        try:
            yield
        finally:
            stop.set()
            sampler.join()
            wall = max(time.monotonic() - started, 1e-9)
            for label, process in live.items():
                used = max(_cpu(process), usage[label].cpu_seconds) - cpu_before[label]
                usage[label].cpu_used = used
                usage[label].cpu_percent = used / wall * 100
            self.phases[name] = usage
            self.walls[name] = wall

    def _sample(
        self, live: dict[str, psutil.Process], usage: dict[str, Usage], stop: threading.Event
    ) -> None:
        while True:
            for label, process in live.items():
                try:
                    rss = process.memory_info().rss / MB
                    usage[label].cpu_seconds = _cpu(process) or usage[label].cpu_seconds
                except psutil.Error:
                    continue
                usage[label].peak_rss_mb = max(usage[label].peak_rss_mb, rss)
            if stop.wait(self.interval):
                return

    def table(self) -> str:
        """Per phase and process: peak RSS in MB and CPU in % of one core."""
        lines = ["| phase | process | peak RSS MB | CPU % of a core |", "|---|---|---|---|"]
        for phase, usage in self.phases.items():
            for label, u in usage.items():
                lines.append(f"| {phase} | {label} | {u.peak_rss_mb:.0f} | {u.cpu_percent:.0f} |")
        return "\n".join(lines)


def _process(pid: int) -> psutil.Process | None:
    try:
        return psutil.Process(pid)
    except psutil.Error:
        return None


def _cpu(process: psutil.Process) -> float:
    try:
        times = process.cpu_times()
    except psutil.Error:
        return 0.0
    return float(times.user + times.system)


def stack_pids(repo: Path) -> dict[str, int]:
    """The local stack's store and broker, from the pid files `deploy/local/stack.sh` writes."""
    state = Path(os.environ.get("RMP_STATE_DIR", repo / ".local"))
    out = {}
    for name in ("ferretdb", "kafka"):
        try:
            out[name] = int((state / f"{name}.pid").read_text().strip())
        except (OSError, ValueError):
            continue
    return out


def load_line() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average at start: {one:.2f} {five:.2f} {fifteen:.2f} ({os.cpu_count()} cores)"
