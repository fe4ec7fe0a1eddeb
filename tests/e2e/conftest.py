"""The running system and the browser of the browser tests: started once per module (so no two
systems run at once on a small machine); each test uses its own program, so tests never meet."""

import asyncio
from collections.abc import AsyncIterator, Iterator

import pytest
from selenium.webdriver.remote.webdriver import WebDriver

from deploy.processes import System, SystemConfig
from shared.kafka import ensure_topics
from shared.topics import Topics
from tests.e2e.browser import chromium
from tests.helpers import free_port


@pytest.fixture(scope="module")
async def system(
    kafka_bootstrap: str, mongo_uri: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[System]:
    run = tmp_path_factory.mktemp("e2e")
    config = SystemConfig(
        kafka_bootstrap_servers=kafka_bootstrap,
        mongodb_uri=mongo_uri,
        log_dir=run / "logs",
        mail_dir=run / "mail",
        topic_prefix=f"e2e{run.name}.",
        database_prefix=f"e2e{run.name.replace('-', '')}_",
        smtp_port=free_port(),
        inbound_port=free_port(),
        ports={name: free_port() for name in ("profiles", "matcher", "notifier")},
        extra_env={"MATCHER_BATCH_WINDOW_MS": "100", "MATCHER_SETTLE_MINUTES": "0"},
    )
    await ensure_topics(kafka_bootstrap, Topics(prefix=config.topic_prefix), partitions=3)
    running = System(config)
    try:
        await asyncio.to_thread(running.start)
        yield running
    finally:
        await asyncio.to_thread(running.stop)


@pytest.fixture(scope="module")
def browser() -> Iterator[WebDriver]:
    with chromium() as running:
        yield running
