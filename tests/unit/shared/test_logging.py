"""FastStream's lines go through the same JSON handler as every other line."""

import logging

from shared.logging import FASTSTREAM_LOGGERS, configure_logging, scrub_processor


def test_faststream_loggers_write_through_the_root_handler() -> None:
    for name in FASTSTREAM_LOGGERS:
        logging.getLogger(name).handlers[:] = [logging.StreamHandler()]

    configure_logging(service="test", json=True)

    [ours] = logging.getLogger().handlers
    assert all(logging.getLogger(name).handlers == [ours] for name in FASTSTREAM_LOGGERS)


def test_answer_link_tokens_never_reach_a_log_line() -> None:
    line = '127.0.0.1:4 - "POST /answers/.eJwli1EK.xot5q-dek HTTP/1.1" 200'

    scrubbed = scrub_processor(None, "info", {"event": line})

    assert scrubbed["event"] == '127.0.0.1:4 - "POST /answers/[token] HTTP/1.1" 200'
