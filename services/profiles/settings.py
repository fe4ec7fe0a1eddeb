"""Settings of the profiles service (environment variables with the `PROFILES_` prefix)."""

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.settings import CommonSettings


class ProfilesSettings(CommonSettings):
    model_config = CommonSettings.model_config | SettingsConfigDict(env_prefix="PROFILES_")

    mongodb_database: str = "profiles"
    http_port: int = 8001
    ingress_group_id: str = "profiles-ingress"
    producer: str = Field(default="profiles", description="The `producer` of every event we emit.")
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
