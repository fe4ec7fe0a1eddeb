"""`python -m services.notifier`: JSON logs, then the app under uvicorn."""

import uvicorn

from shared.logging import configure_logging

from .app import create_app
from .settings import NotifierSettings


def main() -> None:
    settings = NotifierSettings()
    configure_logging(service="notifier", level=settings.log_level, json=settings.log_json)
    uvicorn.run(create_app(settings), host="0.0.0.0", port=settings.http_port, log_config=None)


if __name__ == "__main__":
    main()
