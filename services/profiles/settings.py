"""Settings of the profiles service (environment variables with the `PROFILES_` prefix)."""

from enum import StrEnum

from pydantic import Field, field_validator
from pydantic_settings import SettingsConfigDict

from shared.settings import CommonSettings


class Scope(StrEnum):
    """What an API key may do. `admin` implies the others and alone may export a person's data."""

    READ = "read"
    WRITE = "write"
    ADMIN = "admin"


class ProfilesSettings(CommonSettings):
    # Inputs are hidden from validation errors: they may hold API keys.
    model_config = CommonSettings.model_config | SettingsConfigDict(
        env_prefix="PROFILES_", hide_input_in_errors=True
    )

    mongodb_database: str = "profiles"
    http_port: int = 8001
    ingress_group_id: str = "profiles-ingress"
    producer: str = Field(default="profiles", description="The `producer` of every event we emit.")
    api_keys: dict[str, frozenset[Scope]] = Field(
        default_factory=dict,
        description='JSON: {"<key>": ["read", "write", "admin"]}. No keys: every request is refused.',
    )
    max_body_bytes: int = Field(default=64 * 1024, gt=0, description="Larger bodies get 413.")
    relay_sweep_seconds: float = Field(
        default=5.0,
        gt=0,
        description="How often the relay looks for writes of other processes (the bulk import's "
        "hints) and tries again what failed to go out.",
    )
    relay_recover_seconds: float = Field(
        default=300.0,
        gt=0,
        description="How often the relay sweeps the whole collection for events nothing told it "
        "about (left by a crash); it also sweeps at start-up.",
    )
    relay_batch_size: int = Field(default=500, gt=0)
    relay_mark_seconds: float = Field(
        default=1.0,
        ge=0,
        description="How long published events may wait to be marked sent, so marks are batched.",
    )
    seen_event_ids_kept: int = Field(
        default=64,
        gt=0,
        description="Ingress event ids remembered per profile, to drop duplicates.",
    )

    @field_validator("api_keys")
    @classmethod
    def _keys_are_long(cls, value: dict[str, frozenset[Scope]]) -> dict[str, frozenset[Scope]]:
        if short := [key for key in value if len(key) < 8]:
            raise ValueError(f"{len(short)} API key(s) shorter than 8 characters")
        return value
