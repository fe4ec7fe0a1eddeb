"""`python -m services.profiles`: serve the profiles service with uvicorn."""

import uvicorn

from services.profiles.app import create_app
from services.profiles.settings import ProfilesSettings
from shared.logging import configure_logging


def main() -> None:
    settings = ProfilesSettings()
    configure_logging(service="profiles", level=settings.log_level, json=settings.log_json)
    uvicorn.run(
        create_app(settings),
        host=settings.http_host,
        port=settings.http_port,
        log_config=None,  # our JSON logging, not uvicorn's
        access_log=False,  # ObservabilityMiddleware logs each request with its route template
    )


if __name__ == "__main__":
    main()
