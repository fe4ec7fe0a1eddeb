"""Structured JSON logs with correlation ids, and with secrets, email addresses and answer-link
tokens scrubbed."""

import logging
import re
import sys
from collections.abc import MutableMapping
from typing import Any

import structlog

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
# An answer link's token lets whoever holds it answer for someone: never in a log (access logs).
_ANSWER_TOKEN = re.compile(r"/answers/[^\s\"?#]+")
FASTSTREAM_LOGGERS = ("faststream", "faststream.access.kafka")
_SECRET_KEYS = {"api_key", "x-api-key", "authorization", "password", "email", "body"}


def _scrub(value: Any) -> Any:
    if isinstance(value, str):
        return _ANSWER_TOKEN.sub("/answers/[token]", _EMAIL.sub("[email]", value))
    if isinstance(value, dict):
        return {
            k: "[redacted]" if k.lower() in _SECRET_KEYS else _scrub(v) for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [_scrub(v) for v in value]
    return value


def scrub_processor(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """Remove email addresses and secrets from every field of every log line."""
    return {
        key: "[redacted]" if key.lower() in _SECRET_KEYS else _scrub(value)
        for key, value in event.items()
    }


def configure_logging(*, service: str, level: str = "INFO", json: bool = True) -> None:
    """Route structlog, the standard library and FastStream through one JSON (or console)
    renderer."""
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.format_exc_info,
        scrub_processor,
    ]
    renderer: Any = structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer()
    structlog.configure(
        # A line below the level is dropped first, before any processor runs: a round logs
        # one debug line per proposal, which cost more than the proposal's own work otherwise.
        processors=[
            structlog.stdlib.filter_by_level,
            *shared,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        # Not cached: loggers stay reconfigurable (tests capture logs after a service configured them).
        cache_logger_on_first_use=False,
    )
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
            foreign_pre_chain=shared,
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # FastStream's loggers do not propagate and bring plain-text handlers of their own: give them
    # ours, so their lines are JSON with correlation ids and scrubbed like every other line.
    for name in FASTSTREAM_LOGGERS:
        logging.getLogger(name).handlers[:] = [handler]
    structlog.contextvars.bind_contextvars(service=service)


def bind_correlation(correlation_id: str | None) -> None:
    """Attach a correlation id to every log line of the current task."""
    structlog.contextvars.bind_contextvars(correlation_id=correlation_id)
