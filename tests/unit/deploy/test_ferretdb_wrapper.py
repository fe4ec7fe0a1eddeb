"""The local store's wrapper around FerretDB has Go tests of its own; they run with the suite."""

import shutil
import subprocess
from pathlib import Path

import pytest

WRAPPER = Path(__file__).resolve().parents[3] / "deploy" / "local" / "ferretdb"


@pytest.mark.skipif(shutil.which("go") is None, reason="the Go toolchain builds the local store")
def test_the_wrapper_go_tests_pass() -> None:
    run = subprocess.run(
        ["go", "test", "./..."], cwd=WRAPPER, capture_output=True, text=True, timeout=600
    )
    assert run.returncode == 0, run.stdout + run.stderr
