"""The read model reads back the profiles it wrote without validating them again, and gets the
very person that was written; any other stored form is validated in full."""

import json
from typing import Any

from services.matcher.adapters.stored_profiles import FIELDS, snapshot_of, stored_profile, written
from shared.profile import ProfileSnapshot
from tests.builders.matcher import profile


def everything_set() -> ProfileSnapshot:
    """A person with every field away from its default, ranges merged, skills deduplicated."""
    return profile(
        "p-1",
        version=7,
        name="Ada Lovelace",
        email="Ada@Example.org",
        birth_year=1970,
        languages=["de", "en", "de"],
        timezone="Europe/Berlin",
        availability={
            "wed": [{"start": "18:00", "end": "24:00"}],
            "mon": [{"start": "09:00", "end": "10:30"}, {"start": "10:00", "end": "11:00"}],
        },
        skills_offered={"vocabulary": ["leadership", "leadership"], "extras": ["chess", "chess"]},
        skills_wanted={"vocabulary": ["social_media"], "extras": []},
        department="Finance",
        manager_id="m-9",
        max_pairings=3,
        opted_in=False,
    )


def test_a_person_read_back_equals_the_person_written() -> None:
    person = everything_set()
    stored = stored_profile(person)

    read = written(json.loads(stored))  # the trusted path, not the fallback

    assert read == person
    assert read.model_dump() == person.model_dump()
    assert read.model_dump_json() == person.model_dump_json()
    assert snapshot_of({"profile": stored}) == person
    assert read.updated_at.utcoffset() is not None


def test_the_trusted_path_knows_every_field_of_a_snapshot() -> None:
    assert set(json.loads(stored_profile(everything_set()))) == FIELDS


def test_a_stored_form_of_another_shape_is_validated_in_full() -> None:
    person = everything_set()
    older: dict[str, Any] = json.loads(stored_profile(person))
    del older["opted_in"]  # stored before the field existed: its default, as validation gives it
    older["email"] = " Ada@Example.ORG "

    read = snapshot_of({"profile": json.dumps(older).encode()})

    assert read.opted_in is True and read.email == "ada@example.org"
    assert read.model_dump(exclude={"opted_in"}) == person.model_dump(exclude={"opted_in"})


def test_a_profile_stored_as_a_tree_is_validated() -> None:
    person = everything_set()
    assert snapshot_of({"profile": person.model_dump(mode="json")}) == person
