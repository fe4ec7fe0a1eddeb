"""Sample pairing events for the notifier's tests. Every call builds fresh ids."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from shared.events import (
    CheckinNudged,
    CheckinOpened,
    PairingCancelled,
    PairingProposed,
    PairingReminded,
)
from shared.vocabulary import Skill, label

# A Monday in March 2026, before Europe's clocks go forward (29 March) but after America's (8 March).
BEFORE_EU_DST = datetime(2026, 3, 23, 8, 0, tzinfo=UTC)


def person(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": f"p-{uuid.uuid4().hex[:8]}",
        "name": "Ada Example",
        "email": "ada@example.org",
        "birth_year": 1998,
        "languages": ["en"],
        "timezone": "Europe/Berlin",
        "availability": {"mon": [{"start": "18:00", "end": "19:00"}]},
    }
    return base | overrides


def berliner(**overrides: Any) -> dict[str, Any]:
    """Younger, German-speaking, free on Monday 18:00-19:00 Berlin time."""
    return person(
        **{"name": "Jana Schmidt", "email": "jana@example.org", "languages": ["de", "en"]}
        | overrides
    )


def new_yorker(**overrides: Any) -> dict[str, Any]:
    """Older, English-speaking, free on Monday 12:00-13:00 New York time."""
    base: dict[str, Any] = {
        "name": "Robert Miller",
        "email": "robert@example.org",
        "birth_year": 1962,
        "timezone": "America/New_York",
        "availability": {"mon": [{"start": "12:00", "end": "13:00"}]},
    }
    return person(**base | overrides)


def proposed(
    *,
    younger: dict[str, Any] | None = None,
    older: dict[str, Any] | None = None,
    sequence: int = 1,
    occurred_at: datetime = BEFORE_EU_DST,
    pairing_id: str | None = None,
) -> PairingProposed:
    return PairingProposed.model_validate(
        {
            "producer": "matcher",
            "occurred_at": occurred_at,
            "data": {
                "pairing_id": pairing_id or f"pair-{uuid.uuid4().hex[:10]}",
                "program_id": "prog-1",
                "sequence": sequence,
                "younger": younger or berliner(),
                "older": older or new_yorker(),
                "explanation": {
                    # As the matcher writes them: vocabulary labels, extras as written.
                    "younger_teaches": [label(Skill.AI_TOOLS), label(Skill.SOCIAL_MEDIA)],
                    "older_teaches": ["negotiation", "works council relations"],
                    "shared_languages": ["en"],
                    "common_hours_per_week": 1.0,
                    "birth_year_gap": 36,
                    "score": 0.8,
                    "contributions": {"skills": 0.6, "time": 0.2},
                    "summary": "Each teaches what the other wants.",
                },
                "expires_at": occurred_at + timedelta(days=7),
            },
        }
    )


def cancelled(
    proposal: PairingProposed, *, sequence: int = 2, reason_code: str = "declined"
) -> PairingCancelled:
    data = proposal.data
    return PairingCancelled.model_validate(
        {
            "producer": "matcher",
            "occurred_at": proposal.occurred_at + timedelta(days=1),
            "data": {
                "pairing_id": data.pairing_id,
                "program_id": data.program_id,
                "sequence": sequence,
                "younger": data.younger.model_dump(),
                "older": data.older.model_dump(),
                "reason_code": reason_code,
                "reason": "Robert declined: no time this quarter.",
            },
        }
    )


def reminded(proposal: PairingProposed, *, waiting_on: list[str]) -> PairingReminded:
    """Halfway to the proposal's expiry, still waiting on `waiting_on`; as the matcher sends it,
    with the proposal's sequence (what its links answer), whoever accepted since."""
    data = proposal.data
    return PairingReminded.model_validate(
        {
            "producer": "matcher",
            "occurred_at": proposal.occurred_at + (data.expires_at - proposal.occurred_at) / 2,
            "data": data.model_dump() | {"waiting_on": waiting_on},
        }
    )


def checkin(
    proposal: PairingProposed,
    *,
    checkin_id: str = "mid-program",
    final: bool = False,
    waiting_on: list[str] | None = None,
) -> CheckinOpened | CheckinNudged:
    """The check-in of the proposal's pairing, active since; a nudge when `waiting_on` is given.
    The skills are codes, as the matcher sends them."""
    data = proposal.data
    opened_at = proposal.occurred_at + timedelta(weeks=6)
    body: dict[str, Any] = {
        "pairing_id": data.pairing_id,
        "program_id": data.program_id,
        "sequence": data.sequence + 1,
        "checkin_id": checkin_id,
        "younger": data.younger.model_dump(),
        "older": data.older.model_dump(),
        "younger_teaches": [Skill.AI_TOOLS.value, Skill.SOCIAL_MEDIA.value],
        "older_teaches": [Skill.STRATEGY.value, "works council relations"],
        "final": final,
        "closes_at": opened_at + timedelta(days=14),
    }
    if waiting_on is None:
        return CheckinOpened.model_validate(
            {"producer": "matcher", "occurred_at": opened_at, "data": body}
        )
    return CheckinNudged.model_validate(
        {
            "producer": "matcher",
            "occurred_at": opened_at + timedelta(days=7),
            "data": body | {"waiting_on": waiting_on},
        }
    )
