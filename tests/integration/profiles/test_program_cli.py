"""`rmp program`: put (from a file, from flags, both), show and list against the real profiles
service on a real port (real store and broker), with the key from `RMP_API_KEY`."""

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from deploy.cli import app as cli
from services.profiles.app import create_app
from services.profiles.settings import ProfilesSettings
from shared.topics import Topics
from tests.builders.profiles import profile_fields
from tests.builders.programs import program_body
from tests.helpers import read_topic, served
from tests.integration.profiles.conftest import ADMIN, READER

pytestmark = pytest.mark.integration
runner = CliRunner()


@pytest.fixture
def profiles_url(settings: ProfilesSettings) -> Iterator[str]:
    with served(create_app(settings), lifespan="auto") as url:
        yield url


def rmp(url: str, key: str | None, *args: str) -> tuple[int, str]:
    """The exit code and what was printed (the in-process service's log lines among it)."""
    env = {"RMP_PROFILES_URL": url, "COLUMNS": "200"} | ({"RMP_API_KEY": key} if key else {})
    result = runner.invoke(cli, ["program", *args], env=env)
    return result.exit_code, result.output


def printed_json(output: str) -> dict[str, Any]:
    """The JSON document the command printed, whatever the service logged around it."""
    start = output.index("{\n") if output.startswith("{\n") else output.index("\n{\n") + 1
    found, _ = json.JSONDecoder().raw_decode(output[start:])
    assert isinstance(found, dict)
    return found


def test_put_from_a_file_then_flags_over_it_then_show_and_list(
    profiles_url: str, tmp_path: Path, unique: str
) -> None:
    file = tmp_path / "program.json"
    file.write_text(json.dumps(program_body()))
    program = f"emea-{unique}"

    code, output = rmp(profiles_url, ADMIN, "put", program, "--file", str(file))
    assert code == 0 and f"program {program} created at version 1\n" in output
    code, output = rmp(
        profiles_url, ADMIN, "put", program, "--file", str(file), "--name", "EMEA 27",
        "--mode", "continuous", "--settle-minutes", "2", "--if-match", "1",
    )  # fmt: skip
    assert code == 0 and f"program {program} stored at version 2\n" in output

    code, shown = rmp(profiles_url, READER, "show", program)
    record = printed_json(shown)
    assert code == 0 and record["name"] == "EMEA 27" and record["version"] == 2
    assert record["schedule"] == {"mode": "continuous", "settle_minutes": 2}
    code, listed = rmp(profiles_url, READER, "list")
    assert code == 0 and program in listed and "continuous" in listed


def test_put_from_flags_alone_and_the_reasons_of_a_refusal(profiles_url: str, unique: str) -> None:
    program = f"apac-{unique}"
    flags = [
        "--name", "APAC 2027", "--timezone", "Asia/Singapore", "--starts-on", "2027-03-01",
        "--ends-on", "2027-08-31", "--sender", "apac@example.org", "--mode", "rounds",
        "--round-at", "2027-03-01T09:00", "--round-at", "2027-04-01T09:00",
        "--policy", '{"min_common_hours": 2}',
    ]  # fmt: skip
    assert rmp(profiles_url, ADMIN, "put", program, *flags)[0] == 0

    code, refused = rmp(profiles_url, ADMIN, "put", program, *flags, "--ends-on", "2027-01-01")
    assert code == 1 and "ends_on must be after starts_on" in refused
    code, stale = rmp(profiles_url, ADMIN, "put", program, *flags, "--if-match", "0")
    assert code == 1 and "412" in stale
    code, _ = rmp(profiles_url, READER, "put", program, *flags, "--name", "X")
    assert code == 1
    assert rmp(profiles_url, None, "show", program)[0] != 0


def test_load_puts_the_programs_first_then_publishes_the_people(
    profiles_url: str, kafka_bootstrap: str, topics: Topics, tmp_path: Path, unique: str
) -> None:
    programs, people = tmp_path / "programs.json", tmp_path / "people.jsonl"
    programs.write_text(json.dumps({f"{unique}-a": program_body(), f"{unique}-b": program_body()}))
    row = profile_fields(program_id=f"{unique}-a").model_dump(mode="json") | {"id": f"{unique}-1"}
    people.write_text(json.dumps(row) + "\n")
    env = {
        "RMP_PROFILES_URL": profiles_url,
        "RMP_API_KEY": ADMIN,
        "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
        "TOPIC_PREFIX": topics.prefix,
    }

    result = runner.invoke(cli, ["load", str(people), "--programs", str(programs)], env=env)

    assert result.exit_code == 0, result.output
    assert f"program {unique}-b at version 1" in result.output
    assert rmp(profiles_url, READER, "show", f"{unique}-a")[0] == 0
    [record] = asyncio.run(read_topic(kafka_bootstrap, topics.profile_updates, count=1))
    assert record.key == f"{unique}-1".encode()
