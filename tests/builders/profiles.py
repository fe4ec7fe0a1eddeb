"""Builders for profiles: the fields a person submits, valid unless overridden."""

from typing import Any

from shared.profile import ProfileFields


def profile_fields(**overrides: Any) -> ProfileFields:
    """A valid profile; override any field."""
    base: dict[str, Any] = {
        "program_id": "prog-1",
        "name": "Ada Example",
        "email": "ada@example.org",
        "birth_year": 1995,
        "languages": ["en"],
        "timezone": "Europe/Berlin",
        "availability": {"tue": [{"start": "17:00", "end": "20:00"}]},
        "skills_offered": {"vocabulary": ["social_media"]},
        "skills_wanted": {"vocabulary": ["leadership"]},
        "department": "Sales",
    }
    return ProfileFields.model_validate(base | overrides)
