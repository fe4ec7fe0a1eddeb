"""The soak: the same workload at a steady rate, no faults, for `minutes`; every `every` seconds
each service's RSS, open file descriptors and its consumer groups' lag are sampled. The run
reports each slope and fails if a service's memory keeps growing after the warm-up
(`trend.py`), or if any check of the fault run fails."""

import asyncio
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import psutil

from bench.faults import collect, report
from bench.faults.checker import check
from bench.faults.injector import Injector
from bench.faults.run import gather, play
from bench.faults.stage import Stage, open_stage, put_programs
from bench.faults.trend import Sample, trend
from bench.faults.verdict import Check
from bench.faults.workload import Workload, generate
from deploy.processes import SERVICE_PORTS

MB = 1024 * 1024
OPS_PER_PERSON = 3.5  # about, in a generated workload


@dataclass
class Samples:
    rss: dict[str, list[Sample]] = field(default_factory=dict)
    fds: dict[str, list[Sample]] = field(default_factory=dict)
    lag: dict[str, list[Sample]] = field(default_factory=dict)


def steady(workload: Workload, seconds: float) -> Workload:
    """The same ops in the same order, evenly spaced over `seconds`."""
    step = seconds / max(1, len(workload.ops))
    return replace(workload, ops=[replace(op, at=i * step) for i, op in enumerate(workload.ops)])


async def soak_run(
    seed: int, minutes: float, out: Path, *, rate: float, every: float
) -> list[Check]:
    seconds = minutes * 60
    run = f"s{seed}x{int(time.time()) % 100000}"
    people = max(10, int(rate * seconds / OPS_PER_PERSON))
    workload = steady(
        generate(seed, run=run, programs=4, per_program=people // 4, seconds=seconds), seconds
    )
    print(f"soak: seed {seed}, {minutes:g} min, {len(workload.ops)} ops, sampled every {every:g} s")
    stage = await open_stage(run, out / run)
    samples = Samples()
    try:
        await put_programs(stage, workload.programs)
        injector = Injector(stage.system, stage.smtp, stage.stack, started=time.monotonic())

        async def sample() -> None:
            await _sample(stage, samples, until=injector.started + seconds, every=every)

        played = await play(stage, workload, seed, injector, [], beside=sample)
        checks = check(await gather(stage, workload, played.record, injector))
        checks.append(_memory(samples, warmup=min(300.0, seconds / 4)))
        print(report.checks_table(checks), flush=True)
        played.print()
        return checks
    finally:
        stage.stop()


async def _sample(stage: Stage, samples: Samples, *, until: float, every: float) -> None:
    processes = {s: psutil.Process(stage.system.processes[s].pid) for s in SERVICE_PORTS}
    while time.monotonic() < until + every / 2:
        t = time.monotonic() - stage.started
        for name, process in processes.items():
            samples.rss.setdefault(name, []).append((t, process.memory_info().rss / MB))
            samples.fds.setdefault(name, []).append((t, float(process.num_fds())))
        for group, lag in (await collect.lag(stage.bootstrap, stage.prefix)).items():
            samples.lag.setdefault(group.removeprefix(stage.prefix), []).append((t, float(lag)))
        await asyncio.sleep(every)


def _memory(samples: Samples, *, warmup: float) -> Check:
    result = Check("soak: memory flat after warm-up")
    lines = ["| what | first | last | slope per minute | growing |", "|---|---|---|---|---|"]
    for kind, series in (("RSS MB", samples.rss), ("open fds", samples.fds), ("lag", samples.lag)):
        for name, points in sorted(series.items()):
            found = trend(points, warmup=warmup)
            result.checked += 1
            lines.append(
                f"| {name} {kind} | {found.first:.1f} | {found.last:.1f} "
                f"| {found.slope_per_minute:+.2f} | {'yes' if found.growing else 'no'} |"
            )
            if found.growing and kind == "RSS MB":
                result.wrong.append(f"{name}: RSS grows {found.slope_per_minute:+.2f} MB/min")
    print("\n".join(lines), flush=True)
    return result
