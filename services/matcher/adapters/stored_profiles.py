"""How the read model stores a profile (one value, its JSON), and how it reads it back.

Every profile in the read model was validated when it was written: it came off the profile
stream as a `ProfileSnapshot` and was dumped as it was (`stored_profile`). Validating it again on
every whole-program read re-ran the email check and the normalisers (merging time ranges,
deduplicating skills) on data that is already normal: 20,000 people cost about 3 s of CPU, most
of a round's load. So a stored JSON whose keys are exactly the snapshot's fields is rebuilt
without validation (`model_construct`, each nested value turned into the type validation gives
it); any other stored form (a tree from the earlier layout, a JSON of an older shape) is
validated in full, as before. Profiles from outside still pass the full validation, at the edges.
"""

import functools
from datetime import datetime
from typing import Any

from pydantic_core import from_json

from shared.mongo import Document
from shared.profile import ProfileSnapshot, SkillSet, TimeRange, Weekday
from shared.vocabulary import Skill

FIELDS = frozenset(ProfileSnapshot.model_fields)
_SKILL_FIELDS = frozenset(SkillSet.model_fields)
_DAYS = {day.value: day for day in Weekday}
_SKILLS = {skill.value: skill for skill in Skill}


class _NotTrusted(Exception):
    """The stored JSON is not in the form `stored_profile` writes now."""


def stored_profile(snapshot: ProfileSnapshot) -> bytes:
    """The profile as the read model stores it: one value, its JSON."""
    return snapshot.model_dump_json().encode()


def snapshot_of(doc: Document) -> ProfileSnapshot:
    """The profile of a stored person, in either layout (JSON bytes, or the earlier tree)."""
    profile = doc["profile"]
    if not isinstance(profile, bytes):
        return ProfileSnapshot.model_validate(profile)
    try:
        return written(from_json(profile))
    except (_NotTrusted, KeyError, TypeError, ValueError):
        return ProfileSnapshot.model_validate_json(profile)


def written(data: dict[str, Any]) -> ProfileSnapshot:
    """The snapshot `stored_profile` dumped, rebuilt without validating it again."""
    if data.keys() != FIELDS:
        raise _NotTrusted
    data["availability"] = {
        _DAYS[day]: [_time_range(r["start"], r["end"]) for r in ranges]
        for day, ranges in data["availability"].items()
    }
    data["skills_offered"] = _skills(data["skills_offered"])
    data["skills_wanted"] = _skills(data["skills_wanted"])
    data["updated_at"] = updated = datetime.fromisoformat(data["updated_at"])
    if updated.tzinfo is None:
        raise _NotTrusted
    return ProfileSnapshot.model_construct(**data)


@functools.cache
def _time_range(start: str, end: str) -> TimeRange:
    """Kept: a `TimeRange` is frozen, and a program's people share a few hundred of them."""
    return TimeRange.model_construct(start=_minutes(start), end=_minutes(end))


def _skills(data: dict[str, Any]) -> SkillSet:
    if data.keys() != _SKILL_FIELDS:
        raise _NotTrusted
    return SkillSet.model_construct(
        vocabulary=[_SKILLS[skill] for skill in data["vocabulary"]], extras=list(data["extras"])
    )


def _minutes(clock: str) -> int:
    """`HH:MM` as `ClockTime` keeps it: minutes after midnight."""
    if len(clock) != 5 or clock[2] != ":":
        raise _NotTrusted
    return int(clock[:2]) * 60 + int(clock[3:])
