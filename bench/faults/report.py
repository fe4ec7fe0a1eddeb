"""The run's table: faults injected, each check with its counts, and every id lost or doubled."""

from bench.faults.checker import totals
from bench.faults.injector import Injected
from bench.faults.schedule import Fault, counts
from bench.faults.verdict import Check

SHOWN = 20  # ids printed per list; the rest are counted


def schedule_lines(seed: int, faults: list[Fault]) -> str:
    return "\n".join([f"seed {seed}; schedule:", *(f"  {f.line()}" for f in faults)])


def faults_table(done: list[Injected]) -> str:
    lines = ["| fault | target | planned at | ran at | recovered after |", "|---|---|---|---|---|"]
    for item in sorted(done, key=lambda i: i.started):
        f = item.fault
        lines.append(
            f"| {f.kind} | {f.target} | t+{f.at:.0f}s | t+{item.started:.0f}s "
            f"| {item.recovered - item.started:.0f}s |"
        )
    summary = ", ".join(f"{k}: {v}" for k, v in sorted(counts([i.fault for i in done]).items()))
    return "\n".join([*lines, f"faults injected: {summary}"])


def checks_table(checks: list[Check]) -> str:
    lines = [
        "| check | checked | lost | doubled | wrong | named window | verdict |",
        "|---|---|---|---|---|---|---|",
    ]
    for c in checks:
        verdict = "ok" if c.passed else "FAIL"
        lines.append(
            f"| {c.name} | {c.checked} | {len(c.lost)} | {len(c.doubled)} | {len(c.wrong)} "
            f"| {len(c.named)} | {verdict} |"
        )
    t = totals(checks)
    lines.append(
        f"lost {t['lost']}, doubled {t['doubled']}, wrong {t['wrong']}, "
        f"in named windows {t['named']}"
    )
    for c in checks:
        for label, ids in (
            ("LOST", c.lost),
            ("DOUBLED", c.doubled),
            ("WRONG", c.wrong),
            ("named window", c.named),
            ("note", c.notes),
        ):
            lines += [f"  {label} [{c.name}] {i}" for i in ids[:SHOWN]]
            if len(ids) > SHOWN:
                lines.append(f"  {label} [{c.name}] ... and {len(ids) - SHOWN} more")
    return "\n".join(lines)
