"""`python -m services.matcher`: JSON logs, then the app under uvicorn on its `http_host` and
`http_port`."""

import uvicorn

from services.matcher.app import create_app
from services.matcher.settings import MatcherSettings
from shared.logging import configure_logging


def main() -> None:
    settings = MatcherSettings()
    configure_logging(service="matcher", level=settings.log_level, json=settings.log_json)
    uvicorn.run(
        create_app(settings), host=settings.http_host, port=settings.http_port, log_config=None
    )


if __name__ == "__main__":
    main()
