"""`rmp report`: the program report through the matcher's API with the key from `RMP_API_KEY`,
written as a page or as JSON. The matcher's real routes and auth serve on a real port, over fakes
holding a known history."""

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from deploy.cli import app as cli
from tests.builders.report import ADMIN, PEOPLE, PROGRAM, READER, report_app
from tests.helpers import served

runner = CliRunner()


@pytest.fixture
def matcher() -> Iterator[str]:
    with served(asyncio.run(report_app())) as url:
        yield url


def run(url: str, key: str | None, *args: str) -> tuple[int, str]:
    env = {"RMP_MATCHER_URL": url} | ({"RMP_API_KEY": key} if key else {})
    result = runner.invoke(cli, ["report", PROGRAM, *args], env=env)
    return result.exit_code, result.output


def test_the_report_is_written_as_one_page(matcher: str, tmp_path: Path) -> None:
    out = tmp_path / "report.html"

    code, output = run(matcher, ADMIN, "--out", str(out))

    assert code == 0, output
    assert f"written to {out}" in output.replace("\n", "")
    page = out.read_text()
    assert page.startswith("<!doctype html>") and page.count("<svg") == 11
    assert all(p.email not in page for p in PEOPLE)


def test_the_figures_are_written_as_json(matcher: str, tmp_path: Path) -> None:
    out = tmp_path / "report.json"

    code, output = run(matcher, ADMIN, "--json", "--out", str(out))

    assert code == 0, output
    found = json.loads(out.read_text())
    assert (found["program_id"], found["pairs"]["proposed"], found["personal"]) == (
        PROGRAM,
        8,
        False,
    )


def test_the_report_needs_an_admin_key(matcher: str) -> None:
    refused, refusal = run(matcher, READER, "--json")
    code, output = run(matcher, ADMIN, "--json", "--personal")

    assert refused == 1 and "403" in refusal
    assert code == 0 and json.loads(output)["unpaired"]["listed"]


def test_without_a_key_it_says_which_to_set(matcher: str) -> None:
    code, output = run(matcher, None)

    assert code != 0
    assert "RMP_API_KEY" in output
