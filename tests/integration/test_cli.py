"""The operator CLI against the real broker."""

import asyncio
import json
from pathlib import Path

import pytest
from aiokafka import ConsumerRecord
from pydantic import TypeAdapter
from typer.testing import CliRunner

from deploy.cli import app
from shared.commands import UpdateProfile
from shared.topics import Topics
from tests.builders.profiles import profile_fields
from tests.helpers import read_topic

pytestmark = pytest.mark.integration
runner = CliRunner()


def _env(bootstrap: str, topics: Topics) -> dict[str, str]:
    return {"KAFKA_BOOTSTRAP_SERVERS": bootstrap, "TOPIC_PREFIX": topics.prefix}


def test_load_publishes_one_upsert_per_profile_keyed_by_id(
    kafka_bootstrap: str, topics: Topics, tmp_path: Path, unique: str
) -> None:
    rows = [
        profile_fields(email=f"p{i}@example.org").model_dump(mode="json") | {"id": f"{unique}-{i}"}
        for i in range(3)
    ]
    file = tmp_path / "people.jsonl"
    file.write_text("".join(json.dumps(row) + "\n" for row in rows))

    result = runner.invoke(app, ["load", str(file)], env=_env(kafka_bootstrap, topics))

    assert result.exit_code == 0, result.output
    records = _sync_read(kafka_bootstrap, topics.profile_updates, 3)
    commands = [TypeAdapter(UpdateProfile).validate_json(r.value or b"") for r in records]
    assert sorted(c.data.profile_id for c in commands) == [f"{unique}-{i}" for i in range(3)]
    assert all(r.key == c.data.profile_id.encode() for r, c in zip(records, commands, strict=True))
    assert {c.data.op for c in commands} == {"upsert"}


def test_load_rejects_an_invalid_row_before_publishing_anything(
    kafka_bootstrap: str, topics: Topics, tmp_path: Path
) -> None:
    row = profile_fields().model_dump(mode="json") | {"id": "x", "timezone": "Mars/Base"}
    file = tmp_path / "bad.jsonl"
    file.write_text(json.dumps(row) + "\n")

    result = runner.invoke(app, ["load", str(file)], env=_env(kafka_bootstrap, topics))

    assert result.exit_code != 0
    assert "unknown IANA timezone" in str(result.exception)


def _sync_read(bootstrap: str, topic: str, count: int) -> list[ConsumerRecord[bytes, bytes]]:
    return asyncio.run(read_topic(bootstrap, topic, count=count))
