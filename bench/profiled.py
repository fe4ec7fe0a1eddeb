"""The services as processes, optionally each under a sampling profiler, and what the samples say.

`py-spy record -- python -m services.X` profiles a service from its first line (attaching to a
running process needs ptrace rights a container may not grant). py-spy stops, and writes its
samples, when the service exits; so a stop signals the service, never py-spy, which would die
without writing. The samples count CPU only (idle waits are left out): a service whose samples
are few spent the run waiting, on the store or the broker.
"""

import contextlib
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import psutil

from deploy.processes import System, SystemConfig, start_local_stack

SERVICES = ("profiles", "matcher", "notifier")
OWN = re.compile(r"[(/](services|shared)/")
SKIP = ("<module> ", "main ")  # the entry points hold every sample


class BenchSystem(System):
    """`System`, with each service under py-spy when `profile_dir` is given."""

    def __init__(
        self,
        config: SystemConfig,
        profile_dir: Path | None = None,
        extra: dict[str, str] | None = None,
    ) -> None:
        super().__init__(config)
        self.profile_dir = profile_dir
        self.extra = extra or {}

    def start_service(self, service: str) -> None:
        env = self.config.env(service) | self.extra
        args = ["-m", f"services.{service}"]
        spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
        if self.profile_dir is None or not Path(spy).exists():
            self._spawn(service, args, env)
            return
        self.profile_dir.mkdir(parents=True, exist_ok=True)
        out = self.profile_dir / f"{service}.txt"
        record = [
            spy,
            "record",
            "--gil",
            "-r",
            "50",
            "-f",
            "raw",
            "-o",
            str(out),
            "--",
            sys.executable,
        ]
        log = (self.config.log_dir / f"{service}.log").open("ab")
        self.processes[service] = subprocess.Popen(
            [*record, *args], env=env, stdout=log, stderr=subprocess.STDOUT
        )

    def pid(self, name: str) -> int:
        """The service's own process, below py-spy when profiled."""
        pid = self.processes[name].pid
        return pid if self.profile_dir is None else profiled_pid(pid)

    def stop_service(self, name: str, *, within: float = 30.0) -> None:
        process = self.processes.get(name)
        if self.profile_dir is not None and process is not None and process.poll() is None:
            child = self.pid(name)
            if child != process.pid:
                psutil.Process(child).send_signal(signal.SIGTERM)
                with contextlib.suppress(subprocess.TimeoutExpired):
                    process.wait(timeout=within)
        super().stop_service(name, within=within)


def fresh_run(name: str, **settings: Any) -> tuple[SystemConfig, Path, str]:
    """A run of its own on the local stack (started if needed): its own topics and databases
    (prefixed by a new run id), and a working folder for logs, mail and figures."""
    endpoints = start_local_stack()
    run = uuid.uuid4().hex[:6]
    workdir = Path(tempfile.mkdtemp(prefix=f"{name}-bench-"))
    settings.setdefault("inbound_port", _free_port())  # never the demo's calendar-reply port
    config = SystemConfig(
        kafka_bootstrap_servers=endpoints["KAFKA_BOOTSTRAP_SERVERS"],
        mongodb_uri=endpoints["MONGODB_URI"],
        log_dir=workdir / "logs",
        mail_dir=workdir / "mail",
        topic_prefix=f"bench{run}.",
        database_prefix=f"bench{run}_",
        **settings,
    )
    return config, workdir, run


def profiled_pid(pid: int) -> int:
    """The process py-spy (at `pid`) started and samples, once it exists."""
    for _ in range(100):
        children = psutil.Process(pid).children()
        if children:
            return int(children[0].pid)
        time.sleep(0.05)
    return pid


def spy_command(out: Path) -> list[str]:
    """The start of a command line that runs Python under py-spy, samples written to `out`."""
    out.parent.mkdir(parents=True, exist_ok=True)
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    return [spy, "record", "--gil", "-r", "50", "-f", "raw", "-o", str(out), "--", sys.executable]


def hot_frames(samples: Path, top: int = 10) -> str:
    """The project's functions that held the CPU longest (inclusive), from py-spy's raw stacks."""
    inclusive: Counter[str] = Counter()
    leaves: Counter[str] = Counter()
    total = 0
    for line in samples.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        total += n
        frames = stack.split(";")
        leaves[_short(frames[-1])] += n
        for frame in {_short(f) for f in frames if OWN.search(f) and not f.startswith(SKIP)}:
            inclusive[frame] += n
    lines = [f"{samples.stem}: {total} CPU samples at 50/s ({total / 50:.0f} s on a core)"]
    lines += [
        f"  {n / max(total, 1):6.1%} incl  {frame}" for frame, n in inclusive.most_common(top)
    ]
    lines += [f"  {n / max(total, 1):6.1%} self  {frame}" for frame, n in leaves.most_common(6)]
    return "\n".join(lines)


def _short(frame: str) -> str:
    """`apply (/repo/services/profiles/service.py:42)` -> `apply (services/profiles/service.py)`."""
    name, _, where = frame.partition(" (")
    path = where.rstrip(")").rsplit(":", 1)[0]
    for root in ("/site-packages/", "/lib/python3.11/"):
        if root in path:
            path = path.split(root, 1)[1]
            break
    return f"{name} ({path})"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
