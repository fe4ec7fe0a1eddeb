"""Reading import files: CSV cells in a readable shape, JSON Lines as the contract has it, and a
reason for every row that cannot be a profile."""

import json

from services.profiles.importer import read_rows
from tests.builders.profiles import profile_fields

HEADER = "id,program_id,name,email,birth_year,languages,timezone,availability,skills_offered,skills_offered_extras,skills_wanted,opted_in\n"


def test_a_csv_row_in_the_readable_shape_becomes_a_profile() -> None:
    text = HEADER + (
        "emea-1,emea,Hannelore Weber,HW@example.org,1961,de en,Europe/Berlin,"
        '"tue 17:00-19:00; thu 8:00-9:30",strategy;negotiation,works council,ai_tools,no\n'
    )

    [row] = read_rows(text, csv_format=True)

    assert row.reason is None and row.profile_id == "emea-1" and row.fields is not None
    assert row.fields.languages == ["de", "en"]
    assert row.fields.email == "hw@example.org"
    assert row.fields.model_dump(mode="json")["availability"] == {
        "tue": [{"start": "17:00", "end": "19:00"}],
        "thu": [{"start": "08:00", "end": "09:30"}],
    }
    assert [str(s) for s in row.fields.skills_offered.vocabulary] == ["negotiation", "strategy"]
    assert row.fields.skills_offered.extras == ["works council"]
    assert row.fields.opted_in is False


def test_json_cells_in_a_csv_are_read_as_json() -> None:
    text = "id,program_id,name,email,birth_year,languages,timezone,availability\n" + (
        'p1,x,Ada,ada@example.org,1990,"[""en""]",UTC,"{""mon"": [{""start"": ""09:00"", ""end"": ""10:00""}]}"\n'
    )

    [row] = read_rows(text, csv_format=True)

    assert row.fields is not None and row.fields.languages == ["en"]


def test_json_lines_rows_take_the_contract_shape_and_skip_blank_lines() -> None:
    profile = profile_fields().model_dump(mode="json") | {"id": "p-7"}
    text = json.dumps(profile) + "\n\n" + json.dumps(profile | {"id": "p-8"}) + "\n"

    rows = list(read_rows(text, csv_format=False))

    assert [(r.line, r.profile_id, r.reason) for r in rows] == [(1, "p-7", None), (3, "p-8", None)]


def test_every_rejected_row_says_why_without_repeating_its_values() -> None:
    good = profile_fields().model_dump(mode="json")
    lines = [
        "{not json",
        json.dumps(["a", "list"]),
        json.dumps(good),  # no id
        json.dumps(good | {"id": "p-1", "email": "broken@@example.org", "timezone": "Mars/Base"}),
    ]

    rows = list(read_rows("\n".join(lines), csv_format=False))

    reasons = [r.reason or "" for r in rows]
    assert reasons[0].startswith("not JSON")
    assert reasons[1] == "not an object"
    assert reasons[2] == "id: Field required"
    assert "email:" in reasons[3] and "timezone: Value error, unknown IANA timezone" in reasons[3]
    assert "broken@@" not in reasons[3]


def test_a_csv_availability_that_is_not_day_and_times_is_rejected_with_the_entry() -> None:
    text = "id,program_id,name,email,birth_year,languages,timezone,availability\n" + (
        "p1,x,Ada,ada@example.org,1990,en,UTC,tuesday evenings\n"
    )

    [row] = read_rows(text, csv_format=True)

    assert row.profile_id == "p1"
    assert row.reason == "availability: 'tuesday evenings' is not 'day HH:MM-HH:MM'"
