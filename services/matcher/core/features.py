"""What the matcher needs of a profile, normalised once: skill keys, department key, UTC windows.

Skills match case-insensitively across the vocabulary and free-text extras: an extra "Public
Speaking" is the vocabulary skill `public_speaking`.
"""

import re
from dataclasses import dataclass
from datetime import date

from shared.availability import Windows, utc_windows
from shared.profile import Profile, SkillSet
from shared.vocabulary import label

_SEPARATORS = re.compile(r"[\s_-]+")


def skill_key(text: str) -> str:
    """The comparison key of a skill: case-folded, words joined by underscores."""
    return _SEPARATORS.sub("_", text.strip().casefold()).strip("_")


def skill_labels(skills: SkillSet) -> dict[str, str]:
    """Skill key -> readable label; vocabulary first, so its label wins over an equal extra."""
    labels = {skill.value: label(skill) for skill in skills.vocabulary}
    for extra in skills.extras:
        labels.setdefault(skill_key(extra), extra)
    labels.pop("", None)
    return labels


@dataclass(frozen=True, eq=False)
class Person:
    """A profile in the terms the scoring uses."""

    id: str
    program_id: str
    name: str
    email: str
    """Unique within a program, and kept when a program is loaded again under new ids: solves
    break ties by it (`engine.general`)."""
    birth_year: int
    languages: frozenset[str]
    department: str | None
    """Case-folded, so "Sales" and "sales" are one department."""
    department_label: str | None
    manager_id: str | None
    offers: dict[str, str]
    wants: dict[str, str]
    windows: Windows
    capacity: int
    opted_in: bool


def person_of(profile: Profile, week_of: date) -> Person:
    """The person behind a profile, with availability laid on the UTC week of `week_of`."""
    department = profile.department.strip() if profile.department else None
    return Person(
        id=profile.id,
        program_id=profile.program_id,
        name=profile.name,
        email=profile.email.lower(),
        birth_year=profile.birth_year,
        languages=frozenset(profile.languages),
        department=department.casefold() if department else None,
        department_label=department,
        manager_id=profile.manager_id,
        offers=skill_labels(profile.skills_offered),
        wants=skill_labels(profile.skills_wanted),
        windows=utc_windows(profile.availability, profile.timezone, week_of),
        capacity=profile.max_pairings,
        opted_in=profile.opted_in,
    )
