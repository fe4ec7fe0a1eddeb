"""What one event costs the machine: CPU over the idle rate, per event, and the ceiling it sets."""

import pytest

from bench import budget
from bench.procwatch import ProcessWatch, Usage


def watch() -> ProcessWatch:
    w = ProcessWatch(pids={})
    w.phases = {
        "idle": {"kafka": Usage(cpu_used=0.5), "notifier": Usage(cpu_used=0.0)},
        "burst": {
            "kafka": Usage(cpu_used=3.0),
            "notifier": Usage(cpu_used=4.0),
            "bench (SMTP server)": Usage(cpu_used=1.0),
        },
    }
    w.walls = {"idle": 5.0, "burst": 10.0}
    return w


def test_cost_per_event_is_the_cpu_over_the_idle_rate() -> None:
    costs = budget.per_event(watch(), "burst", events=400)
    # kafka: 3.0 s less 0.1 s/s idle over 10 s = 2.0 s over 400 events.
    assert costs["kafka"] == pytest.approx(5.0)
    assert costs["notifier"] == pytest.approx(10.0)
    # A process not seen idle is charged all its CPU.
    assert costs["bench (SMTP server)"] == pytest.approx(2.5)


def test_a_process_never_costs_less_than_nothing() -> None:
    w = watch()
    w.phases["burst"]["kafka"] = Usage(cpu_used=0.2)
    assert budget.per_event(w, "burst", events=400)["kafka"] == 0.0


def test_the_ceiling_is_the_cores_over_the_cost_and_names_the_share_outside() -> None:
    text = budget.table({"kafka": 5.0, "notifier": 10.0, "bench (SMTP server)": 5.0}, cores=2)
    assert text.splitlines()[-2].split() == ["all", "20.00"]
    assert "2 cores carry at most 100 events/s" in text
    assert "(10.00 ms) at most 200 events/s" in text
