"""The profile of one person in a reverse-mentoring program, and its value types.

The model ladder:
- `ProfileFields`: what a person is, as every writer sends it (API body, ingress upsert).
- `ProfilePatch`: any subset of those fields, for a partial update.
- `Profile`: the fields plus the stable id.
- `ProfileSnapshot`: a stored profile with its version, as the canonical stream carries it.
"""

import functools
import re
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    EmailStr,
    Field,
    PlainSerializer,
    StringConstraints,
    WithJsonSchema,
    model_validator,
)

from shared.vocabulary import Skill

MIN_BIRTH_YEAR = 1900
MIN_AGE = 14
MINUTES_PER_DAY = 24 * 60

_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$"
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

Identifier = Annotated[
    str,
    StringConstraints(pattern=_ID_PATTERN),
    Field(description="Letters, digits and `_ . : -`, at most 64 characters.", examples=["p-1042"]),
]


def _no_control_characters(value: str) -> str:
    if _CONTROL.search(value):
        raise ValueError("must not contain control characters such as line breaks")
    return value


Text = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=200),
    AfterValidator(_no_control_characters),
]


@functools.cache
def _timezone_names() -> frozenset[str]:
    """Scanning the tz database takes milliseconds; every profile and participant checks it."""
    return frozenset(available_timezones())


@functools.cache
def zone(name: str) -> ZoneInfo:
    """`ZoneInfo(name)`, kept: `ZoneInfo` holds only its 8 latest zones, so a program spread over
    more timezones read its zone files again for each person (a fifth of loading a program)."""
    return ZoneInfo(name)


def _known_timezone(value: str) -> str:
    try:
        zone(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown IANA timezone {value!r}") from exc
    if value not in _timezone_names():
        raise ValueError(f"unknown IANA timezone {value!r}")
    return value


Timezone = Annotated[
    str,
    AfterValidator(_known_timezone),
    Field(description="An IANA timezone name.", examples=["Europe/Berlin"]),
]


def _birth_year_in_range(value: int) -> int:
    latest = datetime.now(UTC).year - MIN_AGE
    if not MIN_BIRTH_YEAR <= value <= latest:
        raise ValueError(f"birth year must be between {MIN_BIRTH_YEAR} and {latest}")
    return value


BirthYear = Annotated[int, AfterValidator(_birth_year_in_range), Field(examples=[1968])]

Language = Annotated[
    str,
    BeforeValidator(lambda v: v.strip().lower() if isinstance(v, str) else v),
    StringConstraints(pattern=r"^[a-z]{2,3}$"),
    Field(description="An ISO 639 language code.", examples=["en"]),
]


def _parse_clock(value: object) -> object:
    """Accept "HH:MM" (with "24:00" for the end of the day) and keep minutes after midnight."""
    if not isinstance(value, str):
        return value
    match = re.fullmatch(r"([01]\d|2[0-4]):([0-5]\d)", value)
    if not match:
        raise ValueError(f"time {value!r} is not HH:MM")
    return int(match[1]) * 60 + int(match[2])


ClockTime = Annotated[
    int,
    BeforeValidator(_parse_clock),
    Field(ge=0, le=MINUTES_PER_DAY),
    PlainSerializer(lambda m: f"{m // 60:02d}:{m % 60:02d}", return_type=str),
    WithJsonSchema(
        {"type": "string", "pattern": r"^([01]\d|2[0-4]):[0-5]\d$", "examples": ["18:30"]}
    ),
]


class Weekday(StrEnum):
    MON = "mon"
    TUE = "tue"
    WED = "wed"
    THU = "thu"
    FRI = "fri"
    SAT = "sat"
    SUN = "sun"


class TimeRange(BaseModel):
    """A free time range within one day, in the person's own timezone."""

    model_config = ConfigDict(frozen=True)

    start: ClockTime
    end: ClockTime

    @model_validator(mode="after")
    def _not_empty(self) -> Self:
        if self.end <= self.start:
            raise ValueError("a time range must end after it starts")
        return self


def _merge_ranges(ranges: list[TimeRange]) -> list[TimeRange]:
    """Sort and merge overlapping ranges so every consumer sees one normal form."""
    merged: list[TimeRange] = []
    for item in sorted(ranges, key=lambda r: r.start):
        if merged and item.start <= merged[-1].end:
            last = merged.pop()
            item = TimeRange(start=last.start, end=max(last.end, item.end))
        merged.append(item)
    return merged


def _normal_availability(value: dict[Weekday, list[TimeRange]]) -> dict[Weekday, list[TimeRange]]:
    normal = {day: _merge_ranges(ranges) for day, ranges in value.items() if ranges}
    if not normal:
        raise ValueError("availability needs at least one time range")
    return {day: normal[day] for day in Weekday if day in normal}


Availability = Annotated[
    dict[Weekday, list[TimeRange]],
    AfterValidator(_normal_availability),
    Field(
        description="Free time per weekday in the person's timezone; ranges are merged.",
        examples=[{"tue": [{"start": "17:00", "end": "19:00"}]}],
    ),
]


class SkillSet(BaseModel):
    """Skills from the shared vocabulary plus free-text extras."""

    model_config = ConfigDict(frozen=True)

    vocabulary: list[Skill] = Field(default_factory=list, max_length=len(Skill))
    extras: list[Text] = Field(default_factory=list, max_length=20)

    @model_validator(mode="after")
    def _dedupe(self) -> Self:
        object.__setattr__(self, "vocabulary", sorted(set(self.vocabulary)))
        object.__setattr__(self, "extras", list(dict.fromkeys(self.extras)))
        return self


class ProfileFields(BaseModel):
    """What a person is: the body of a create, a replace or an ingress upsert."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    program_id: Identifier
    name: Text
    email: EmailStr
    birth_year: BirthYear
    languages: list[Language] = Field(min_length=1, max_length=10)
    timezone: Timezone
    availability: Availability
    skills_offered: SkillSet = Field(default_factory=SkillSet)
    skills_wanted: SkillSet = Field(default_factory=SkillSet)
    department: Text | None = None
    manager_id: Identifier | None = None
    max_pairings: int = Field(default=1, ge=1, le=5)
    opted_in: bool = True

    @model_validator(mode="after")
    def _normalise(self) -> Self:
        object.__setattr__(self, "email", self.email.lower())
        object.__setattr__(self, "languages", list(dict.fromkeys(self.languages)))
        return self


class ProfilePatch(BaseModel):
    """Any subset of the profile fields; absent fields keep their stored value."""

    model_config = ConfigDict(extra="ignore")

    program_id: Identifier | None = None
    name: Text | None = None
    email: EmailStr | None = None
    birth_year: BirthYear | None = None
    languages: list[Language] | None = Field(default=None, min_length=1, max_length=10)
    timezone: Timezone | None = None
    availability: Availability | None = None
    skills_offered: SkillSet | None = None
    skills_wanted: SkillSet | None = None
    department: Text | None = None
    manager_id: Identifier | None = None
    max_pairings: int | None = Field(default=None, ge=1, le=5)
    opted_in: bool | None = None

    def apply_to(self, current: ProfileFields) -> ProfileFields:
        """The fields after this patch, validated as a whole."""
        merged = current.model_dump() | self.model_dump(exclude_unset=True)
        return ProfileFields.model_validate(merged)


class Profile(ProfileFields):
    """A profile with its stable id."""

    id: Identifier


class ProfileSnapshot(Profile):
    """A stored profile as the canonical stream carries it."""

    version: int = Field(ge=1, description="Increases by one with every change of this profile.")
    updated_at: AwareDatetime
