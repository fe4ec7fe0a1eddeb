"""The bulk import, run as operators run it, against the real store; the running service's relay
then publishes what it imported, and a second run changes nothing at all."""

import asyncio
import json
import os
import sys
from pathlib import Path

import pytest
from fastapi import FastAPI
from pymongo.asynchronous.database import AsyncDatabase

from services.profiles.settings import ProfilesSettings
from shared.mongo import Document
from tests.builders.profiles import profile_fields
from tests.helpers import eventually, read_topic

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[3]


async def run_import(settings: ProfilesSettings, file: Path) -> tuple[int, str]:
    env = os.environ | {
        "MONGODB_URI": settings.mongodb_uri,
        "PROFILES_MONGODB_DATABASE": settings.mongodb_database,
        "COLUMNS": "200",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "services.profiles.cli", "import", str(file),
        cwd=ROOT, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    output, _ = await process.communicate()
    assert process.returncode is not None
    return process.returncode, output.decode()


def jsonl(tmp_path: Path, unique: str) -> Path:
    rows = [
        profile_fields(email=f"{n}-{unique}@example.org").model_dump(mode="json")
        | {"id": f"i{n}-{unique}"}
        for n in range(3)
    ]
    rows.append(rows[0] | {"id": f"dup-{unique}"})  # the email of row 1 again: rejected
    rows.append(rows[1] | {"id": f"bad-{unique}", "birth_year": 1850})
    file = tmp_path / "people.jsonl"
    file.write_text("\n".join(json.dumps(row) for row in rows) + "\n")
    return file


async def test_an_import_reports_rejected_rows_and_running_it_again_changes_nothing(
    app: FastAPI,
    settings: ProfilesSettings,
    tmp_path: Path,
    unique: str,
    mongo: AsyncDatabase[Document],
    kafka_bootstrap: str,
) -> None:
    file = jsonl(tmp_path, unique)

    code, output = await run_import(settings, file)

    assert code == 1, output
    assert "3 created, 0 updated, 0 unchanged, 2 rejected" in output
    assert f"dup-{unique}" in output and "has this email address" in output
    assert f"bad-{unique}" in output and "birth year must be between" in output
    assert f"0-{unique}@example.org" not in output
    records = await read_topic(kafka_bootstrap, settings.topics.profile_changes, count=3, within=30)
    assert sorted(r.key.decode() for r in records) == [f"i{n}-{unique}" for n in range(3)]
    await eventually(lambda: _all_published(mongo), within=10)
    before = await mongo.profiles.find({}).sort("_id").to_list()

    code, output = await run_import(settings, file)

    assert code == 1 and "0 created, 0 updated, 3 unchanged, 2 rejected" in output
    assert await mongo.profiles.find({}).sort("_id").to_list() == before
    again = await read_topic(kafka_bootstrap, settings.topics.profile_changes, count=4, within=3)
    assert len(again) == 3


async def _all_published(mongo: AsyncDatabase[Document]) -> bool:
    return await mongo.profiles.count_documents({"outbox.0": {"$exists": True}}) == 0


async def test_a_csv_import_creates_and_then_updates_by_id(
    settings: ProfilesSettings, tmp_path: Path, unique: str, mongo: AsyncDatabase[Document]
) -> None:
    header = "id,program_id,name,email,birth_year,languages,timezone,availability\n"
    row = f"c-{unique},emea,{{name}},c-{unique}@example.org,1970,de en,Europe/Berlin,tue 17:00-19:00\n"
    file = tmp_path / "people.csv"
    file.write_text(header + row.format(name="Hannelore"))
    assert (await run_import(settings, file))[0] == 0
    file.write_text(header + row.format(name="Hanne"))

    code, output = await run_import(settings, file)

    assert code == 0 and "0 created, 1 updated, 0 unchanged, 0 rejected" in output
    stored = await mongo.profiles.find_one({"_id": f"c-{unique}"})
    assert stored is not None and (stored["name"], stored["version"]) == ("Hanne", 2)


async def test_an_unreadable_file_exits_2(settings: ProfilesSettings, tmp_path: Path) -> None:
    code, output = await run_import(settings, tmp_path / "missing.csv")

    assert code == 2 and "cannot read" in output


async def test_an_import_of_changed_rows_updates_them_and_the_relay_publishes_each_change_once(
    app: FastAPI,
    settings: ProfilesSettings,
    tmp_path: Path,
    unique: str,
    mongo: AsyncDatabase[Document],
    kafka_bootstrap: str,
) -> None:
    rows = [
        profile_fields(email=f"{n}-{unique}@example.org").model_dump(mode="json")
        | {"id": f"i{n}-{unique}"}
        for n in range(4)
    ]
    file = tmp_path / "people.jsonl"
    file.write_text("\n".join(json.dumps(row) for row in rows) + "\n")
    assert (await run_import(settings, file))[0] == 0
    changed = [rows[0] | {"name": "Changed"}, rows[1] | {"name": "Changed"}, *rows[2:]]
    changed.append(rows[3] | {"name": "Twice in one file"})  # the same id again: applied in order
    file.write_text("\n".join(json.dumps(row) for row in changed) + "\n")

    code, output = await run_import(settings, file)

    assert code == 0 and "0 created, 3 updated, 2 unchanged, 0 rejected" in output
    records = await read_topic(kafka_bootstrap, settings.topics.profile_changes, count=7, within=30)
    events = sorted((r.key.decode(), json.loads(r.value)["data"]["version"]) for r in records)
    assert events == sorted(
        [(f"i{n}-{unique}", 1) for n in range(4)] + [(f"i{n}-{unique}", 2) for n in (0, 1, 3)]
    )
    again = await read_topic(kafka_bootstrap, settings.topics.profile_changes, count=8, within=3)
    assert len(again) == 7
    stored = await mongo.profiles.find_one({"_id": f"i3-{unique}"})
    assert stored is not None and (stored["name"], stored["version"]) == ("Twice in one file", 2)
