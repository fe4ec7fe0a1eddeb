"""Sample people and pairings for the matcher's integration tests."""

from datetime import UTC, datetime, timedelta
from typing import Any

from services.matcher.core.lifecycle import PairingState
from services.matcher.usecases.messages import participant
from services.matcher.usecases.ports import PairingRecord
from shared.envelope import utc_now
from shared.events import Explanation
from shared.profile import ProfileSnapshot
from tests.helpers import profile_fields

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def snapshot(person_id: str, *, version: int = 1, **fields: Any) -> ProfileSnapshot:
    base = profile_fields(**fields).model_dump()
    return ProfileSnapshot(**base, id=person_id, version=version, updated_at=utc_now())


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
    pairing_id: str, *, program: str, younger: str = "young", older: str = "old"
) -> PairingRecord:
    return PairingRecord(
        id=pairing_id,
        program_id=program,
        younger=participant(snapshot(younger, program_id=program)),
        older=participant(snapshot(older, program_id=program, birth_year=1965)),
        explanation=explanation(),
        state=PairingState.PROPOSED,
        proposed_at=NOW,
        expires_at=NOW + timedelta(days=7),
        updated_at=NOW,
    )


def young(
    person_id: str, *, program: str, craft: str, version: int = 1, **fields: Any
) -> ProfileSnapshot:
    """Born 1998 in Digital; teaches `craft`, wants `lore-<craft>`: only a matching `old` fits."""
    skills = {"skills_offered": {"extras": [craft]}, "skills_wanted": {"extras": [f"lore-{craft}"]}}
    defaults = {"birth_year": 1998, "department": "Digital", "email": f"{person_id}@example.org"}
    return snapshot(person_id, version=version, program_id=program, **(defaults | skills | fields))


def old(
    person_id: str, *, program: str, craft: str, version: int = 1, **fields: Any
) -> ProfileSnapshot:
    """Born 1965 in Finance; teaches `lore-<craft>`, wants `craft`."""
    skills = {"skills_offered": {"extras": [f"lore-{craft}"]}, "skills_wanted": {"extras": [craft]}}
    defaults = {"birth_year": 1965, "department": "Finance", "email": f"{person_id}@example.org"}
    return snapshot(person_id, version=version, program_id=program, **(defaults | skills | fields))
