"""Profiles for the matcher's pure core: a small builder and a seeded random pool."""

import random
from datetime import UTC, date, datetime
from itertools import count
from typing import Any

from shared.profile import ProfileSnapshot
from shared.vocabulary import Skill

WEEK = date(2026, 1, 12)  # a Monday far from any daylight-saving switch
PROGRAM = "prog-core"
_ids = count()


def unique_id(prefix: str = "p") -> str:
    return f"{prefix}-{next(_ids)}"


def profile(person_id: str | None = None, **fields: Any) -> ProfileSnapshot:
    """A valid profile; override any field. Skills may be given as lists of vocabulary values."""
    base: dict[str, Any] = {
        "program_id": PROGRAM,
        "name": "Someone",
        "email": "someone@example.org",
        "birth_year": 1995,
        "languages": ["en"],
        "timezone": "UTC",
        "availability": {"tue": [{"start": "17:00", "end": "20:00"}]},
        "skills_offered": {"vocabulary": ["social_media"]},
        "skills_wanted": {"vocabulary": ["leadership"]},
        "department": "Digital",
    }
    merged = base | fields
    for key in ("skills_offered", "skills_wanted"):
        if isinstance(merged[key], list):
            merged[key] = {"vocabulary": merged[key]}
    return ProfileSnapshot.model_validate(
        merged | {"id": person_id or unique_id(), "version": 1, "updated_at": datetime.now(UTC)}
    )


def young(person_id: str | None = None, **fields: Any) -> ProfileSnapshot:
    """Born 1998 in Digital: teaches social media, wants leadership."""
    return profile(person_id, **({"birth_year": 1998, "name": "Yuki"} | fields))


def old(person_id: str | None = None, **fields: Any) -> ProfileSnapshot:
    """Born 1965 in Finance: teaches leadership, wants social media."""
    base = {
        "birth_year": 1965,
        "name": "Olga",
        "department": "Finance",
        "skills_offered": ["leadership"],
        "skills_wanted": ["social_media"],
    }
    return profile(person_id, **(base | fields))


_ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata"]
_DAYS = ["mon", "tue", "wed"]
_SKILLS = [s.value for s in Skill]


def random_profile(rng: random.Random, person_id: str, **fields: Any) -> ProfileSnapshot:
    """A person drawn so that a pool of a few dozen has many feasible pairs, and some not."""
    windows: dict[str, list[dict[str, str]]] = {}
    for _ in range(rng.randint(1, 3)):
        start = rng.randrange(8, 20)
        windows.setdefault(rng.choice(_DAYS), []).append(
            {"start": f"{start:02d}:00", "end": f"{start + rng.choice([1, 2, 3]):02d}:00"}
        )
    extras = rng.sample(["Excel", "Public Speaking", "chess", "SQL"], rng.randint(0, 1))
    return profile(
        person_id,
        **(
            {
                "name": person_id,
                "birth_year": rng.randint(1955, 2004),
                "languages": rng.sample(["en", "de", "fr"], rng.randint(1, 2)),
                "timezone": rng.choice(_ZONES),
                "availability": windows,
                "skills_offered": {"vocabulary": rng.sample(_SKILLS[:8], 2), "extras": extras},
                "skills_wanted": {"vocabulary": rng.sample(_SKILLS[:8], 2)},
                "department": rng.choice(["A", "B", "C", "D", None]),
                "max_pairings": rng.choice([1, 1, 1, 2, 3]),
            }
            | fields
        ),
    )
