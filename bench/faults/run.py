"""One fault run: stage, workload and answers, the schedule, quiet, collect, check, report."""

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bench.faults import collect, report
from bench.faults.answers import Answers
from bench.faults.checker import check
from bench.faults.drive import Driver
from bench.faults.drive_record import Record
from bench.faults.expect import ingress_finals
from bench.faults.history import History
from bench.faults.injector import Injector
from bench.faults.schedule import Fault, Plan, schedule
from bench.faults.stage import Stage, open_stage, put_programs
from bench.faults.verdict import Check
from bench.faults.workload import Workload, generate
from deploy import ops


@dataclass(frozen=True)
class Size:
    minutes: float  # how long the workload sends
    programs: int
    per_program: int


QUIET_WITHIN = 600.0
SHORT = Size(minutes=4, programs=2, per_program=10)
LONG = Size(minutes=12, programs=3, per_program=20)


async def fault_run(seed: int, size: Size, out: Path, *, faults: bool = True) -> list[Check]:
    run = f"f{seed}x{int(time.time()) % 100000}"
    seconds = size.minutes * 60
    workload = generate(
        seed, run=run, programs=size.programs, per_program=size.per_program, seconds=seconds
    )
    plan = schedule(seed, Plan(window=seconds * 0.9)) if faults else []
    print(report.schedule_lines(seed, plan), flush=True)
    stage = await open_stage(run, out / run)
    try:
        await put_programs(stage, workload.programs)
        injector = Injector(stage.system, stage.smtp, stage.stack, started=time.monotonic())
        played = await play(stage, workload, seed, injector, plan)
        checks = check(await gather(stage, workload, played.record, injector))
        print(report.faults_table(injector.done), flush=True)
        print(report.checks_table(checks), flush=True)
        played.print()
        sink = stage.smtp.sink
        print(f"emails delivered: {len(sink.delivered)}; answered 451: {sink.refused}", flush=True)
        return checks
    finally:
        stage.stop()


@dataclass
class Played:
    record: Record
    answers: Answers

    def print(self) -> None:
        print(f"sent: {self.record.sent}; answers: {self.answers.sent}", flush=True)
        for problem in self.record.problems + self.answers.problems:
            print(f"  driver: {problem}", flush=True)


async def play(
    stage: Stage,
    workload: Workload,
    seed: int,
    injector: Injector,
    plan: list[Fault],
    *,
    beside: Callable[[], Awaitable[None]] | None = None,
) -> Played:
    """Send the workload and answer pairings while the faults (and `beside`) run, then wait
    until the system is quiet."""
    profiles, matcher, topics = stage.http("profiles"), stage.http("matcher"), stage.topics()
    driver = Driver(workload, profiles, topics, stage.names, seed, base=datetime.now(UTC))
    answers = Answers(
        seed=seed, matcher=matcher, topics=topics, names=stage.names, bootstrap=stage.bootstrap
    )
    stop = asyncio.Event()
    following = asyncio.create_task(answers.run(stop))
    extra = [beside()] if beside else []
    try:
        await asyncio.gather(driver.run(injector.started), injector.run(plan), *extra)
        await _quiet(stage, answers, within=QUIET_WITHIN)
    finally:
        stop.set()
        await following
        await topics.close()
        await profiles.close()
        await matcher.close()
    return Played(driver.record, answers)


async def _quiet(stage: Stage, answers: Answers, *, within: float) -> None:
    """Until every group has caught up, no answer is pending and no email came for 20 s."""
    deadline, calm, seen = time.monotonic() + within, 0, -1
    while time.monotonic() < deadline:
        await asyncio.sleep(5)
        lag = await collect.lag(stage.bootstrap, stage.prefix)
        count = len(stage.smtp.sink.delivered)
        idle = lag and not any(lag.values()) and not answers.pending and count == seen
        calm, seen = (calm + 1 if idle else 0), count
        if calm >= 4:
            return
    print(f"not quiet after {within:.0f} s; checking what is there", flush=True)


async def gather(stage: Stage, workload: Workload, record: Record, injector: Injector) -> History:
    """The run's history, read once the system is quiet."""
    profiles, matcher = stage.http("profiles"), stage.http("matcher")
    history = History(
        canonical=await collect.canonical(stage.bootstrap, stage.names),
        pairings=await ops.pairing_histories(stage.bootstrap, stage.names.pairings),
        stored_states=await collect.stored_states(matcher, workload.programs),
        emails=collect.emails(
            stage.system.config.mail_dir,
            list(stage.smtp.sink.delivered),
            started=injector.started,
        ),
        outcomes=await collect.outcomes(stage.bootstrap, stage.names),
        acked_versions=record.versions,
        dead_letters=await collect.dead_letters(stage.bootstrap, stage.names),
        lag=await collect.lag(stage.bootstrap, stage.prefix),
        notifier_kills=injector.kills_of("notifier"),
    )
    history.message_ids = collect.message_ids(history)
    finals = ingress_finals(workload.ops, record.command_ids)
    finals |= {record.ids[k]: v for k, v in record.api_finals.items() if k in record.ids}
    history.expected = finals
    history.stored_profiles = await collect.stored_profiles(profiles, finals)
    history.malformed = await collect.malformed(stage.bootstrap, _malformed(stage, workload))
    await profiles.close()
    await matcher.close()
    return history


def _malformed(stage: Stage, workload: Workload) -> dict[str, set[bytes]]:
    topic = {"updates": stage.names.profile_updates, "responses": stage.names.pairing_responses}
    out: dict[str, set[bytes]] = {}
    for op in workload.ops:
        if op.kind == "malformed" and op.raw is not None:
            out.setdefault(topic[op.topic], set()).add(op.raw)
    return out
