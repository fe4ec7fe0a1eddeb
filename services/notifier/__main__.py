"""`python -m services.notifier`: JSON logs, then the app under uvicorn on its `http_host` and
`http_port`."""

import uvicorn

from services.notifier.app import create_app
from services.notifier.settings import NotifierSettings
from shared.logging import configure_logging


def main() -> None:
    settings = NotifierSettings()
    configure_logging(service="notifier", level=settings.log_level, json=settings.log_json)
    uvicorn.run(
        create_app(settings), host=settings.http_host, port=settings.http_port, log_config=None
    )


if __name__ == "__main__":
    main()
