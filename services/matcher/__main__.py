"""`python -m services.matcher`: JSON logs, then the app under uvicorn on its `http_port`."""

import logging

import uvicorn

from services.matcher.app import create_app
from services.matcher.settings import MatcherSettings
from shared.logging import configure_logging


def main() -> None:
    settings = MatcherSettings()
    configure_logging(service="matcher", level=settings.log_level, json=settings.log_json)
    _framework_logs_as_json()
    uvicorn.run(create_app(settings), host="0.0.0.0", port=settings.http_port, log_config=None)


def _framework_logs_as_json() -> None:
    """FastStream gives its loggers plain-text handlers of their own unless they have one: give
    them ours, so their lines are JSON and scrubbed like every other line."""
    ours = logging.getLogger().handlers
    for name in ("faststream", "faststream.access.kafka"):
        logging.getLogger(name).handlers[:] = ours


if __name__ == "__main__":
    main()
