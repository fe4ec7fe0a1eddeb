"""Builders for the matcher's tests: people, pairing records and the commands they answer with.

`young` and `old` fit each other: by default each teaches what the other wants (social media
against leadership); given a `craft`, the younger teaches it and wants `lore-<craft>`, so only
the `old` of the same craft fits. Every field can be overridden.
"""

import json
import random
from datetime import UTC, date, datetime, timedelta
from itertools import count
from pathlib import Path
from typing import Any

from services.matcher.core.lifecycle import PairingState
from services.matcher.usecases.messages import participant
from services.matcher.usecases.ports import PairingRecord
from shared.commands import PairingAnswer, RespondToPairing
from shared.events import Explanation, ProfileChanged
from shared.profile import ProfileSnapshot
from shared.vocabulary import Skill

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
WEEK = date(2026, 1, 12)  # a Monday far from any daylight-saving switch
PROGRAM = "prog-a"
_ids = count()


def unique_id(prefix: str = "p") -> str:
    return f"{prefix}-{next(_ids)}"


def profile(person_id: str | None = None, *, version: int = 1, **fields: Any) -> ProfileSnapshot:
    """A valid profile; override any field. Skills may be given as lists of vocabulary values."""
    person_id = person_id or unique_id()
    base: dict[str, Any] = {
        "program_id": PROGRAM,
        "name": "Someone",
        "email": f"{person_id}@example.org",
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
        merged | {"id": person_id, "version": version, "updated_at": datetime.now(UTC)}
    )


def young(
    person_id: str | None = None, craft: str | None = None, *, program: str = PROGRAM, **fields: Any
) -> ProfileSnapshot:
    """Born 1998 in Digital: teaches social media (or `craft`), wants leadership (`lore-<craft>`)."""
    base: dict[str, Any] = {"birth_year": 1998, "name": "Yuki", "program_id": program}
    if craft is not None:
        base |= {
            "skills_offered": {"extras": [craft]},
            "skills_wanted": {"extras": [f"lore-{craft}"]},
        }
    return profile(person_id, **(base | fields))


def old(
    person_id: str | None = None, craft: str | None = None, *, program: str = PROGRAM, **fields: Any
) -> ProfileSnapshot:
    """Born 1965 in Finance: teaches leadership (`lore-<craft>`), wants social media (`craft`)."""
    base: dict[str, Any] = {
        "birth_year": 1965,
        "name": "Olga",
        "department": "Finance",
        "program_id": program,
        "skills_offered": ["leadership"],
        "skills_wanted": ["social_media"],
    }
    if craft is not None:
        base |= {
            "skills_offered": {"extras": [f"lore-{craft}"]},
            "skills_wanted": {"extras": [craft]},
        }
    return profile(person_id, **(base | fields))


def changed(person: ProfileSnapshot) -> ProfileChanged:
    return ProfileChanged(producer="profiles", correlation_id="corr-1", data=person)


def explanation() -> Explanation:
    return Explanation(
        younger_teaches=["social_media"],
        older_teaches=["leadership"],
        shared_languages=["en"],
        common_hours_per_week=3.0,
        birth_year_gap=30,
        score=0.8,
        contributions={"skills": 0.7, "hours": 0.1},
        summary="Each teaches the other.",
    )


def pairing(
    pairing_id: str, program: str = PROGRAM, *, younger: str = "young", older: str = "old"
) -> PairingRecord:
    """A proposed pairing made at `NOW`, awaiting both answers."""
    return PairingRecord(
        id=pairing_id,
        program_id=program,
        younger=participant(young(younger, program=program)),
        older=participant(old(older, program=program)),
        explanation=explanation(),
        state=PairingState.PROPOSED,
        proposed_at=NOW,
        expires_at=NOW + timedelta(days=7),
        updated_at=NOW,
    )


def answer(pairing_id: str, person_id: str, decision: str = "accept") -> RespondToPairing:
    data = PairingAnswer(pairing_id=pairing_id, person_id=person_id, decision=decision)
    return RespondToPairing(producer="app", correlation_id="corr-9", data=data)


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
    drawn: dict[str, Any] = {
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
    return profile(person_id, **(drawn | fields))


SAMPLE = Path(__file__).resolve().parents[2] / "deploy" / "sample" / "profiles.jsonl"


def sample_programs() -> dict[str, list[ProfileSnapshot]]:
    """The shipped sample (`deploy/sample`), as snapshots by program, in file order."""
    programs: dict[str, list[ProfileSnapshot]] = {}
    for line in SAMPLE.read_text(encoding="utf-8").splitlines():
        fields = json.loads(line) | {"version": 1, "updated_at": NOW}
        person = ProfileSnapshot.model_validate(fields)
        programs.setdefault(person.program_id, []).append(person)
    return programs
