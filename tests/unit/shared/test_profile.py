"""Property-based tests of the profile validators in `shared/profile.py`: every profile the
services store has passed these, so they must accept exactly what they promise."""

import itertools
import re
from datetime import UTC, datetime
from typing import Any
from zoneinfo import available_timezones

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from shared.profile import (
    MIN_AGE,
    MIN_BIRTH_YEAR,
    Availability,
    ProfileFields,
    ProfilePatch,
    SkillSet,
    TimeRange,
)
from shared.vocabulary import Skill
from tests.builders.profiles import profile_fields

availability = TypeAdapter(Availability)
# Unicode White_Space, which is what pydantic strips; Python's str.strip also strips \x1c-\x1f.
SPACE = "".join(c for c in map(chr, range(0x3001)) if c.isspace() and c not in "\x1c\x1d\x1e\x1f")
DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
minutes = st.integers(min_value=0, max_value=24 * 60)


def clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


ranges = st.tuples(minutes, minutes).filter(lambda r: r[0] < r[1])


def covered(spans: list[tuple[int, int]]) -> set[int]:
    return {m for start, end in spans for m in range(start, end)}


@given(ranges)
def test_a_range_given_as_clock_times_keeps_its_minutes_and_prints_them_back(
    span: tuple[int, int],
) -> None:
    parsed = TimeRange.model_validate({"start": clock(span[0]), "end": clock(span[1])})

    assert (parsed.start, parsed.end) == span
    assert parsed.model_dump(mode="json") == {"start": clock(span[0]), "end": clock(span[1])}


@given(minutes, minutes)
def test_a_range_that_does_not_end_after_it_starts_is_rejected(start: int, end: int) -> None:
    assume(end <= start)
    with pytest.raises(ValidationError, match="end after it starts"):
        TimeRange(start=start, end=end)


@given(st.text(max_size=8))
def test_only_hh_mm_up_to_24_00_is_a_clock_time(text: str) -> None:
    valid = re.fullmatch(r"([01]\d|2[0-4]):[0-5]\d", text) and text <= "24:00"
    try:
        TimeRange.model_validate({"start": text, "end": "24:00"})
    except ValidationError:
        accepted = False
    else:
        accepted = True
    assert accepted == bool(valid and text != "24:00")


@given(st.dictionaries(st.sampled_from(DAYS), st.lists(ranges, max_size=6), min_size=1))
def test_availability_is_merged_into_sorted_disjoint_ranges_covering_the_same_minutes(
    raw: dict[str, list[tuple[int, int]]],
) -> None:
    given_ranges = {day: [{"start": s, "end": e} for s, e in spans] for day, spans in raw.items()}
    if not any(raw.values()):
        with pytest.raises(ValidationError, match="at least one time range"):
            availability.validate_python(given_ranges)
        return

    normal = availability.validate_python(given_ranges)

    assert [str(day) for day in normal] == [d for d in DAYS if raw.get(d)]
    for day, merged in normal.items():
        spans = [(r.start, r.end) for r in merged]
        assert all(a[1] < b[0] for a, b in itertools.pairwise(spans))
        assert covered(spans) == covered(raw[str(day)])


@given(st.integers(min_value=1800, max_value=2200))
def test_birth_years_are_accepted_exactly_from_1900_to_fourteen_years_ago(year: int) -> None:
    latest = datetime.now(UTC).year - MIN_AGE
    try:
        profile_fields(birth_year=year)
    except ValidationError:
        accepted = False
    else:
        accepted = True
    assert accepted == (MIN_BIRTH_YEAR <= year <= latest)


@settings(max_examples=50)
@given(st.sampled_from(sorted(available_timezones())))
def test_every_iana_timezone_is_accepted(name: str) -> None:
    assert profile_fields(timezone=name).timezone == name


@given(st.text(min_size=1, max_size=30))
def test_a_timezone_outside_the_iana_database_is_rejected(name: str) -> None:
    assume(name not in available_timezones())
    with pytest.raises(ValidationError):
        profile_fields(timezone=name)


@given(st.text(max_size=210))
def test_text_is_stripped_and_never_holds_control_characters_or_exceeds_200(name: str) -> None:
    try:
        stored = profile_fields(name=name).name
    except ValidationError:
        stripped = name.strip(SPACE)
        assert not stripped or len(stripped) > 200 or re.search(r"[\x00-\x1f\x7f]", stripped)
        return
    assert stored == name.strip(SPACE)
    assert 1 <= len(stored) <= 200 and not re.search(r"[\x00-\x1f\x7f]", stored)


@given(
    st.lists(st.sampled_from(list(Skill)), max_size=len(Skill)),
    st.lists(st.sampled_from(["chess", "sql", "fika", "chess"]), max_size=10),
)
def test_skill_sets_are_deduplicated_with_the_vocabulary_sorted(
    vocabulary: list[Skill], extras: list[str]
) -> None:
    skills = SkillSet(vocabulary=vocabulary, extras=extras)

    assert skills.vocabulary == sorted(set(vocabulary))
    assert skills.extras == list(dict.fromkeys(extras))


@given(st.lists(st.sampled_from(["en", "DE", " fr ", "de", "es"]), min_size=1, max_size=10))
def test_languages_are_lowercased_and_deduplicated_in_order(languages: list[str]) -> None:
    expected = list(dict.fromkeys(code.strip().lower() for code in languages))

    assert profile_fields(languages=languages).languages == expected


@given(st.sampled_from(["Ada@Example.org", "ADA@EXAMPLE.ORG", "ada@example.org"]))
def test_email_addresses_are_compared_in_lower_case(email: str) -> None:
    assert profile_fields(email=email).email == "ada@example.org"


patches = st.fixed_dictionaries(
    {},
    optional={
        "name": st.sampled_from(["Grace", "Linus", "  Ada  "]),
        "max_pairings": st.integers(min_value=1, max_value=5),
        "opted_in": st.booleans(),
        "languages": st.lists(st.sampled_from(["en", "de", "fi"]), min_size=1, max_size=3),
        "department": st.one_of(st.none(), st.just("Finance")),
    },
)


@given(patches)
def test_a_patch_changes_exactly_its_fields_and_applying_it_twice_changes_nothing_more(
    changes: dict[str, Any],
) -> None:
    current = profile_fields()
    patch = ProfilePatch.model_validate(changes)

    once = patch.apply_to(current)

    assert patch.apply_to(once) == once
    untouched = set(ProfileFields.model_fields) - set(changes)
    assert {f: getattr(once, f) for f in untouched} == {f: getattr(current, f) for f in untouched}


@given(st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}", fullmatch=True))
def test_identifiers_of_the_documented_alphabet_are_accepted(identifier: str) -> None:
    assert profile_fields(program_id=identifier).program_id == identifier


@given(st.text(min_size=1, max_size=70))
def test_identifiers_outside_that_alphabet_are_rejected(identifier: str) -> None:
    # surrounding whitespace is stripped first
    assume(not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}", identifier.strip(SPACE)))
    with pytest.raises(ValidationError):
        profile_fields(program_id=identifier)
