"""`rmp answer`: the operator answers for a person through the matcher's API, with the key from
`RMP_API_KEY`. The matcher's real routes and auth serve on a real port, over a fake store."""

import asyncio
from collections.abc import Iterator
from types import SimpleNamespace

import pytest
from fastapi import FastAPI
from typer.testing import CliRunner

from deploy.cli import app as cli
from services.matcher.adapters import api
from shared.auth import Scope, protect
from shared.commands import RespondToPairing
from tests.builders.matcher import answer, pairing
from tests.fakes.matcher import FakePairings
from tests.helpers import served

PORTAL, READER = "portal-key-0001", "reader-key-0001"
runner = CliRunner()


class Matcher:
    def __init__(self) -> None:
        self.url = ""
        self.sent: list[RespondToPairing] = []

    async def send(self, command: RespondToPairing) -> None:
        self.sent.append(command)


@pytest.fixture
def matcher() -> Iterator[Matcher]:
    matcher = Matcher()
    pairings = FakePairings()
    asyncio.run(pairings.create(pairing("pr-1"), answer("pr-1", "x")))
    app = FastAPI()
    app.state.runtime = SimpleNamespace(pairings=pairings, send_answer=matcher.send)
    protect(app, {PORTAL: frozenset({Scope.RESPOND}), READER: frozenset({Scope.READ})})
    api.install(app)
    with served(app) as url:
        matcher.url = url
        yield matcher


def run(matcher: Matcher, key: str | None, *args: str) -> tuple[int, str]:
    env = {"RMP_MATCHER_URL": matcher.url} | ({"RMP_API_KEY": key} if key else {})
    result = runner.invoke(cli, ["answer", "pr-1", *args], env=env)
    return result.exit_code, result.output


def test_an_answer_is_sent_with_the_key_from_the_environment(matcher: Matcher) -> None:
    code, output = run(matcher, PORTAL, "old", "decline", "--reason", "moved away")

    assert code == 0, output
    [command] = matcher.sent
    assert (command.data.person_id, command.data.decision, command.data.reason) == (
        "old",
        "decline",
        "moved away",
    )
    assert str(command.event_id) in output and PORTAL not in output


def test_without_a_key_or_with_the_wrong_scope_nothing_is_sent(
    matcher: Matcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("RMP_API_KEY", raising=False)
    missing, missing_output = run(matcher, None, "old", "accept")
    wrong, wrong_output = run(matcher, READER, "old", "accept")

    assert missing != 0 and "RMP_API_KEY" in missing_output
    assert wrong == 1 and "403: this key lacks the respond scope" in wrong_output
    assert matcher.sent == []
