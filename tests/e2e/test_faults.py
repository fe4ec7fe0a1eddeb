"""The short form of the fault run (`python -m bench.faults --short`): the three services as
separate processes under a fixed seed's workload and fault schedule (ten kills, a broker and a
store restart, a pause past the session timeout, SMTP down and answering 4xx), then every check
of `bench/faults/checker.py` over the topics, the stores and the delivered emails."""

import os
from pathlib import Path

import pytest

from bench.faults.checker import totals
from bench.faults.run import SHORT, fault_run

pytestmark = pytest.mark.e2e
SEED = 1


@pytest.mark.timeout(1800)
async def test_nothing_is_lost_or_doubled_under_the_short_fault_schedule(tmp_path: Path) -> None:
    if not os.environ.get("RMP_STACK_CONTROL"):
        pytest.skip("the fault run restarts the broker and the store: needs the local stack")

    checks = await fault_run(SEED, SHORT, tmp_path)

    failed = {c.name: c.lost + c.doubled + c.wrong for c in checks if not c.passed}
    assert failed == {}, f"seed {SEED}: {totals(checks)}"
