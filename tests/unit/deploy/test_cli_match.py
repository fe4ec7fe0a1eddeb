"""`rmp match`: the operator previews a round, or runs one and waits for it, through the
matcher's admin routes with the key from `RMP_API_KEY`. The matcher's real routes and auth serve
on a real port, over fake stores; a forwarded round is run by a fake owner at once."""

from collections.abc import Iterator
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from fastapi import FastAPI
from typer.testing import CliRunner

from deploy.cli import app as cli
from services.matcher.adapters import api
from services.matcher.usecases.directory import ProgramDirectory
from services.matcher.usecases.round_log import RoundRecord
from services.matcher.usecases.work import MatchWork, RoundDue
from shared.auth import Scope, protect
from tests.builders.matcher import PROGRAM, old, young
from tests.fakes.matcher import FakePairings, FakePeople, FakeRounds
from tests.fakes.programs import FakePrograms
from tests.helpers import served

ADMIN, READER = "admin-key-0001", "reader-key-0001"
runner = CliRunner()


class Owner:
    """Runs a forwarded round at once: records it done with one pair."""

    def __init__(self, rounds: FakeRounds) -> None:
        self.rounds, self.asked = rounds, list[str]()

    async def forward(self, work: MatchWork) -> None:
        item = work.data.item
        assert isinstance(item, RoundDue)
        self.asked.append(item.round_id)
        now = datetime.now(UTC)
        record = RoundRecord(
            id=item.round_id,
            program_id=work.data.program_id,
            started_at=now,
            pairs=[("y1", "o1")],
            total=0.9,
            members=3,
        )
        await self.rounds.plan(record)
        await self.rounds.finish(item.round_id, proposed=1, at=now)


@pytest.fixture
def matcher() -> Iterator[tuple[str, Owner]]:
    rounds = FakeRounds()
    owner = Owner(rounds)
    people = FakePeople(young("y1", "c1"), old("o1", "c1"), young("y-fi", languages=["fi"]))
    directory = ProgramDirectory(FakePrograms(), defaults={}, deployment={})
    app = FastAPI()
    app.state.runtime = SimpleNamespace(
        people=people,
        pairings=FakePairings(),
        rounds=rounds,
        directory=directory,
        forward=owner.forward,
    )
    protect(app, {ADMIN: frozenset({Scope.ADMIN}), READER: frozenset({Scope.READ})})
    api.install(app)
    with served(app) as url:
        yield url, owner


def run(url: str, key: str, *args: str) -> tuple[int, str]:
    env = {"RMP_MATCHER_URL": url, "RMP_API_KEY": key}
    result = runner.invoke(cli, ["match", PROGRAM, *args], env=env)
    return result.exit_code, " ".join(result.output.split())  # as read, whatever the wrapping


def test_a_preview_shows_the_pairs_the_total_and_who_is_left_and_why(
    matcher: tuple[str, Owner],
) -> None:
    url, owner = matcher

    code, output = run(url, ADMIN, "--preview")

    assert code == 0, output
    assert "y1 ⇄ o1" in output
    assert "1 pairs, total score" in output and "1 left unpaired" in output
    assert "y-fi: no feasible partner: no shared language" in output
    assert owner.asked == []  # a preview proposes nothing


def test_a_round_is_started_and_waited_for(matcher: tuple[str, Owner]) -> None:
    url, owner = matcher

    code, output = run(url, ADMIN)

    assert code == 0, output
    [round_id] = owner.asked
    assert round_id.startswith(f"{PROGRAM}@cmd-")
    assert f"round {round_id} done: 1 of 1 planned pairs proposed" in output


def test_a_key_without_admin_starts_nothing(matcher: tuple[str, Owner]) -> None:
    url, owner = matcher

    code, output = run(url, READER)

    assert code == 1 and "403: this key lacks the admin scope" in output
    assert owner.asked == []
