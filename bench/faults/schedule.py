"""Which faults a run injects, and when: pure, from a seed, so a failing seed fails again.

Process faults (kills, the broker and store restarts, the pause) are sequential: the injector
starts each at its time or when the one before has recovered, whichever is later. The two SMTP
faults overlap whatever runs then: a mail server does not wait for the rest of the system.
"""

import random
from dataclasses import dataclass
from typing import Literal

SERVICES = ("profiles", "matcher", "notifier")
Kind = Literal["kill", "broker_restart", "store_restart", "pause", "smtp_down", "smtp_tempfail"]
PROCESS_KINDS = frozenset({"kill", "broker_restart", "store_restart", "pause"})


@dataclass(frozen=True)
class Fault:
    """One fault: `at` seconds after the workload starts; `target` a service or the stack part;
    `seconds` how long it lasts (down time before a restart, the pause, the SMTP fault)."""

    at: float
    kind: Kind
    target: str
    seconds: float

    def line(self) -> str:
        return f"t+{self.at:6.1f}s {self.kind:<15} {self.target:<9} {self.seconds:5.1f}s"


@dataclass(frozen=True)
class Plan:
    """The knobs of a schedule; the defaults are what the issue asks for."""

    window: float  # faults start within [lead, window]
    lead: float = 15.0
    kills: int = 10
    kills_each: int = 2
    pause_seconds: float = 45.0  # longer than every consumer's session timeout (30 s at most)
    smtp_down_seconds: float = 30.0
    smtp_tempfail_seconds: float = 30.0


def schedule(seed: int, plan: Plan) -> list[Fault]:
    """The faults of a run, in order of their planned start."""
    rng = random.Random(f"faults:{seed}")
    targets = [s for s in SERVICES for _ in range(plan.kills_each)]
    targets += [rng.choice(SERVICES) for _ in range(plan.kills - len(targets))]
    rng.shuffle(targets)
    process: list[tuple[Kind, str, float]] = [
        ("kill", t, round(rng.uniform(0.2, 3.0), 1)) for t in targets
    ]
    process += [
        ("broker_restart", "kafka", round(rng.uniform(2.0, 8.0), 1)),
        ("store_restart", "ferretdb", round(rng.uniform(1.0, 5.0), 1)),
        ("pause", rng.choice(SERVICES), plan.pause_seconds),
    ]
    rng.shuffle(process)
    times = sorted(rng.uniform(plan.lead, plan.window) for _ in process)
    faults = [Fault(round(at, 1), k, t, s) for at, (k, t, s) in zip(times, process, strict=True)]
    down_at, tempfail_at = _apart(rng, plan)
    faults.append(Fault(down_at, "smtp_down", "smtp", plan.smtp_down_seconds))
    faults.append(Fault(tempfail_at, "smtp_tempfail", "smtp", plan.smtp_tempfail_seconds))
    return sorted(faults, key=lambda f: f.at)


def _apart(rng: random.Random, plan: Plan) -> tuple[float, float]:
    """Two SMTP faults that do not overlap: one in each half of the window."""
    half = plan.lead + (plan.window - plan.lead) / 2
    first = round(rng.uniform(plan.lead, max(plan.lead, half - plan.smtp_down_seconds)), 1)
    second = round(rng.uniform(half, max(half, plan.window - plan.smtp_tempfail_seconds)), 1)
    return (first, second) if rng.random() < 0.5 else (second, first)


def counts(faults: list[Fault]) -> dict[str, int]:
    """How many of each kind (kills also by service), for the report."""
    out: dict[str, int] = {}
    for fault in faults:
        out[fault.kind] = out.get(fault.kind, 0) + 1
        if fault.kind == "kill":
            out[f"kill {fault.target}"] = out.get(f"kill {fault.target}", 0) + 1
    return out
