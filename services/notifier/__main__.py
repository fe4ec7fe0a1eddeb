"""`python -m services.notifier`: JSON logs, then the app under uvicorn."""

import logging

import uvicorn

from services.notifier.app import create_app
from services.notifier.settings import NotifierSettings
from shared.logging import configure_logging


def main() -> None:
    settings = NotifierSettings()
    configure_logging(service="notifier", level=settings.log_level, json=settings.log_json)
    _framework_logs_as_json()
    uvicorn.run(create_app(settings), host="0.0.0.0", port=settings.http_port, log_config=None)


def _framework_logs_as_json() -> None:
    """FastStream gives its loggers plain-text handlers unless one on stdout exists already:
    give them the JSON handler first."""
    json_handler = logging.getLogger().handlers[0]
    for name in ("faststream", "faststream.access.kafka"):
        logging.getLogger(name).handlers[:] = [json_handler]


if __name__ == "__main__":
    main()
