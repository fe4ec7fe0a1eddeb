"""Settings every service shares. Each service subclasses `CommonSettings` with its own prefix.

Shared endpoints are read without the service prefix (`KAFKA_BOOTSTRAP_SERVERS`, `MONGODB_URI`,
`TOPIC_PREFIX`), so one environment configures all three services. The HTTP host and port are read
with it (`PROFILES_HTTP_HOST`, `MATCHER_HTTP_PORT`, ...); each service sets its own default port.
So are the API keys (`PROFILES_API_KEYS`, ...): each service trusts only the keys given to it.
"""

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.auth.keys import MIN_KEY_LENGTH, Scope
from shared.topics import Topics


class CommonSettings(BaseSettings):
    # Inputs are hidden from validation errors: they may hold API keys.
    model_config = SettingsConfigDict(
        extra="ignore", frozen=True, populate_by_name=True, hide_input_in_errors=True
    )

    kafka_bootstrap_servers: str = Field(
        default="127.0.0.1:9092", validation_alias=AliasChoices("KAFKA_BOOTSTRAP_SERVERS")
    )
    mongodb_uri: str = Field(
        default="mongodb://127.0.0.1:27017/", validation_alias=AliasChoices("MONGODB_URI")
    )
    topic_prefix: str = Field(default="", validation_alias=AliasChoices("TOPIC_PREFIX"))
    log_level: str = Field(default="INFO", validation_alias=AliasChoices("LOG_LEVEL"))
    log_json: bool = Field(default=True, validation_alias=AliasChoices("LOG_JSON"))
    dead_letter_retry_seconds: float = Field(
        default=1.0, gt=0, description="Back-off before a failed message is redelivered."
    )
    broker_retry_seconds: float = Field(
        default=2.0, gt=0, description="First back-off between attempts to reach Kafka at start-up."
    )
    http_host: str = Field(default="0.0.0.0", description="The address the HTTP API listens on.")
    http_port: int = Field(default=8000, gt=0, lt=65536)
    api_keys: dict[str, frozenset[Scope]] = Field(
        default_factory=dict,
        repr=False,  # settings printed or logged never show a key
        description='JSON: {"<key>": ["read", "write", "respond", "admin"]}; several at once for '
        "rotation. No keys: every request but health and metrics gets 401.",
    )

    @field_validator("api_keys")
    @classmethod
    def _keys_are_long(cls, value: dict[str, frozenset[Scope]]) -> dict[str, frozenset[Scope]]:
        if short := [key for key in value if len(key) < MIN_KEY_LENGTH]:
            raise ValueError(f"{len(short)} API key(s) shorter than {MIN_KEY_LENGTH} characters")
        return value

    def group(self, group_id: str) -> str:
        """Consumer group ids carry the topic prefix, so deployments sharing a cluster never
        share a group."""
        return f"{self.topic_prefix}{group_id}"

    @property
    def topics(self) -> Topics:
        return Topics(prefix=self.topic_prefix)
