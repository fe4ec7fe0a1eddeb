"""The fault run's schedule and workload come from the seed alone, so a failing seed fails
again; the schedule holds every fault the run promises."""

from bench.faults.expect import ingress_finals
from bench.faults.history import Expected
from bench.faults.schedule import Plan, counts, schedule
from bench.faults.workload import Op, generate


def test_a_schedule_has_every_fault_and_at_least_two_kills_of_each_service() -> None:
    for seed in range(20):
        faults = schedule(seed, Plan(window=300))
        n = counts(faults)

        assert n["kill"] >= 10
        assert all(n[f"kill {s}"] >= 2 for s in ("profiles", "matcher", "notifier"))
        assert (n["broker_restart"], n["store_restart"], n["pause"]) == (1, 1, 1)
        assert (n["smtp_down"], n["smtp_tempfail"]) == (1, 1)
        assert all(15 <= f.at <= 300 for f in faults)
        [down] = [f for f in faults if f.kind == "smtp_down"]
        [tempfail] = [f for f in faults if f.kind == "smtp_tempfail"]
        assert down.seconds == 30
        assert down.at + down.seconds <= tempfail.at or tempfail.at + tempfail.seconds <= down.at


def test_the_same_seed_gives_the_same_schedule_and_workload() -> None:
    assert schedule(7, Plan(window=300)) == schedule(7, Plan(window=300))
    assert schedule(7, Plan(window=300)) != schedule(8, Plan(window=300))
    one = generate(7, run="r", programs=2, per_program=10, seconds=240)
    assert one == generate(7, run="r", programs=2, per_program=10, seconds=240)
    kinds = {op.kind for op in one.ops}
    assert {"create", "update", "duplicate", "stale", "malformed"} <= kinds


def test_ingress_changes_replay_without_duplicates_or_stale_ones() -> None:
    fields = {"name": "A"}
    ops = [
        Op(0, "create", "p", "ingress", fields, tick=10),
        Op(1, "update", "p", "ingress", {"name": "A r1"}, tick=20),
        Op(2, "duplicate", "p", "ingress", {"name": "A r1"}, tick=20, of=1),
        Op(3, "stale", "p", "ingress", {"name": "A old"}, tick=15, of=1),
        Op(4, "create", "q", "ingress", {"name": "B"}, tick=10),
        Op(5, "delete", "q", "ingress", tick=20),
    ]
    ids = {0: "e0", 1: "e1", 2: "e1", 3: "e3", 4: "e4", 5: "e5"}

    assert ingress_finals(ops, ids) == {
        "p": Expected(deleted=False, name="A r1"),
        "q": Expected(deleted=True, name=None),
    }
