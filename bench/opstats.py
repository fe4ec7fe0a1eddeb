"""The store's cost per operation as a service sees it, counted inside the service's own process.

A bench that runs services as processes sets `BENCH_OPSTATS_DIR` and puts the folder from
`sitecustomize_dir()` first on their `PYTHONPATH`: Python then imports that `sitecustomize` at
start, which registers a PyMongo command listener for every client the process makes, before
the service makes one. On SIGUSR1 (`mark_phase`) and at exit the process writes what it counted
since the last mark to `<dir>/<phase>/<service>.json`: per operation shape (command, collection,
the filter's field names), its count and total time. No service code changes, and the shape says
which filter the store had to serve.
"""

import atexit
import json
import os
import signal
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from pymongo import monitoring

SITECUSTOMIZE = "import bench.opstats\nbench.opstats.install()\n"
FILTERS = {"find": "filter", "count": "query", "aggregate": "pipeline", "findAndModify": "query"}


def shape(name: str, command: Any) -> str:
    """`update people {_id,version} x3`: what a command asked, without its values."""
    target = command.get(name)
    collection = target if isinstance(target, str) else ""
    if name in ("update", "delete"):
        items = command.get("updates") or command.get("deletes") or []
        keys = sorted({k for item in items for k in (item.get("q") or {})})
        return f"{name} {collection} {{{','.join(keys)}}} x{len(items)}"
    if name == "insert":
        return f"insert {collection} x{len(command.get('documents') or [])}"
    value = command.get(FILTERS.get(name, ""), {})
    if isinstance(value, list):
        return f"{name} {collection} [{','.join(k for stage in value for k in stage)}]"
    return f"{name} {collection} {{{','.join(sorted(value or {}))}}}"


class Recorder(monitoring.CommandListener):
    """Count and total milliseconds per shape; started events are matched by request id."""

    def __init__(self) -> None:
        self.pending: dict[tuple[int, int], str] = {}
        self.totals: dict[str, list[float]] = defaultdict(lambda: [0, 0.0])
        self.lock = threading.Lock()

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        key = (id(event.connection_id), event.request_id)
        self.pending[key] = shape(event.command_name, event.command)

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        self._done(event)

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        self._done(event)

    def _done(
        self, event: monitoring.CommandSucceededEvent | monitoring.CommandFailedEvent
    ) -> None:
        label = self.pending.pop((id(event.connection_id), event.request_id), None)
        if label is None:
            return
        with self.lock:
            total = self.totals[label]
            total[0] += 1
            total[1] += event.duration_micros / 1000

    def dump(self, folder: Path, name: str) -> None:
        """Write what was counted since the last dump under the current phase's name, and reset."""
        with self.lock:
            rows = {k: {"count": int(c), "ms": round(ms, 1)} for k, (c, ms) in self.totals.items()}
            self.totals.clear()
        phase = (folder / "phase").read_text().strip() if (folder / "phase").exists() else "run"
        (folder / phase).mkdir(exist_ok=True)
        (folder / phase / f"{name}.json").write_text(json.dumps(rows, indent=1, sort_keys=True))


def install() -> None:
    """Register the listener when `BENCH_OPSTATS_DIR` is set; the file is named after the module
    the process runs (`services.matcher` -> `matcher.json`)."""
    folder = os.environ.get("BENCH_OPSTATS_DIR")
    if not folder:
        return
    recorder = Recorder()
    monitoring.register(recorder)
    name = os.environ.get("BENCH_OPSTATS_NAME") or _process_name()
    atexit.register(recorder.dump, Path(folder), name)
    signal.signal(signal.SIGUSR1, lambda *_: recorder.dump(Path(folder), name))


def mark_phase(out: Path, phase: str, pids: list[int]) -> None:
    """End the current phase in every process (each dumps its counts under it), start `phase`."""
    for pid in pids:
        os.kill(pid, signal.SIGUSR1)
    time.sleep(0.5)  # the handlers run between bytecodes; give each process a moment
    (out / "phase").write_text(phase)


def _process_name() -> str:
    args = sys.orig_argv if hasattr(sys, "orig_argv") else sys.argv
    module = args[args.index("-m") + 1] if "-m" in args else Path(args[0]).stem
    return module.removeprefix("services.").replace(".", "-")


def sitecustomize_dir() -> Path:
    """A folder holding only a `sitecustomize.py` that installs the listener."""
    folder = Path(tempfile.mkdtemp(prefix="bench-opstats-"))
    (folder / "sitecustomize.py").write_text(SITECUSTOMIZE)
    return folder


def env(out: Path, repo: Path) -> dict[str, str]:
    """What a service process needs in its environment to record into `out`."""
    path = os.pathsep.join([str(sitecustomize_dir()), str(repo), os.environ.get("PYTHONPATH", "")])
    return {"BENCH_OPSTATS_DIR": str(out), "PYTHONPATH": path.rstrip(os.pathsep)}


def summary(out: Path, phase: str, top: int = 8) -> str:
    """The costliest operation shapes of each process in one phase, by total time."""
    lines = [f"store time per operation shape, as each process saw it ({phase}):"]
    for file in sorted((out / phase).glob("*.json")):
        rows = json.loads(file.read_text())
        total = sum(r["ms"] for r in rows.values()) or 1.0
        lines.append(
            f"{file.stem}: {total / 1000:.1f} s in the store over {sum(r['count'] for r in rows.values())} commands"
        )
        for label, r in sorted(rows.items(), key=lambda kv: -kv[1]["ms"])[:top]:
            mean = r["ms"] / max(r["count"], 1)
            lines.append(
                f"  {r['ms'] / total:6.1%} {r['ms'] / 1000:8.1f} s {r['count']:8d} x {mean:7.2f} ms  {label}"
            )
    return "\n".join(lines)
