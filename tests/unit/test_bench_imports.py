"""Every benchmark still imports: a refactor that moves what a benchmark uses breaks this test,
not the next person who measures."""

import importlib
from pathlib import Path

import pytest

BENCHES = sorted(p.stem for p in Path(__file__).parents[2].joinpath("bench").glob("*_bench.py"))


@pytest.mark.parametrize("name", BENCHES)
def test_the_benchmark_imports(name: str) -> None:
    module = importlib.import_module(f"bench.{name}")

    assert module.__doc__, f"bench.{name} says what it measures"
