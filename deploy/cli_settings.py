"""What `rmp` reads from the environment: the shared endpoints, and for the HTTP APIs the key and
where each service answers (`RMP_*`)."""

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from shared.settings import CommonSettings


class CliSettings(CommonSettings):
    model_config = CommonSettings.model_config | SettingsConfigDict(env_prefix="RMP_")

    api_key: SecretStr | None = Field(default=None, description="Sent as X-API-Key.")
    matcher_url: str = "http://127.0.0.1:8002"
    profiles_url: str = "http://127.0.0.1:8001"

    def headers(self, scope: str) -> dict[str, str]:
        """The key header; a missing key is refused naming the scope the command needs."""
        if self.api_key is None:
            raise ValueError(f"set RMP_API_KEY to a key with the {scope} scope")
        return {"X-API-Key": self.api_key.get_secret_value()}
