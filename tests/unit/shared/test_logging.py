"""FastStream's lines go through the same JSON handler as every other line."""

import logging

from shared.logging import FASTSTREAM_LOGGERS, configure_logging


def test_faststream_loggers_write_through_the_root_handler() -> None:
    for name in FASTSTREAM_LOGGERS:
        logging.getLogger(name).handlers[:] = [logging.StreamHandler()]

    configure_logging(service="test", json=True)

    [ours] = logging.getLogger().handlers
    assert all(logging.getLogger(name).handlers == [ours] for name in FASTSTREAM_LOGGERS)
