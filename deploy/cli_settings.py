"""What `rmp` reads from the environment: the shared endpoints, and for the HTTP APIs the key and
where each service answers (`RMP_*`)."""

from typing import Literal

import httpx
import typer
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


def api_client(
    service: Literal["matcher", "profiles"], scope: str, *, timeout: float = 30
) -> httpx.Client:
    """A client of a service's API holding the key from `RMP_API_KEY`; without a key the command
    stops, naming the scope it needs. Every `rmp` command that calls an API goes through here."""
    settings = CliSettings()
    try:
        headers = settings.headers(scope)
    except ValueError as missing:
        raise typer.BadParameter(str(missing)) from missing
    url = settings.matcher_url if service == "matcher" else settings.profiles_url
    return httpx.Client(base_url=url, headers=headers, timeout=timeout)
