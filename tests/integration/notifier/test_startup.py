"""The notifier starts and serves while Kafka is down, and starts consuming once Kafka answers.

The second test stops and starts the real broker (`kafka_control`), so run it against a stack of
your own, never one that others are testing against at the same time.
"""

import httpx
import pytest
from fastapi import FastAPI

from services.notifier.app import create_app
from services.notifier.settings import NotifierSettings
from shared.topics import Topics
from tests.builders.notifier import BEFORE_EU_DST, proposed
from tests.conftest import KafkaControl
from tests.helpers import asgi_client, broker_connected, eventually
from tests.integration.notifier.conftest import SmtpServer, publish_event

pytestmark = pytest.mark.integration


def http(app: FastAPI) -> httpx.AsyncClient:
    return asgi_client(app, base_url="http://notifier")


async def test_the_notifier_starts_and_serves_while_kafka_is_unreachable(
    settings: NotifierSettings, smtp: SmtpServer
) -> None:
    unreachable = settings.model_copy(update={"kafka_bootstrap_servers": "127.0.0.1:1"})
    app = create_app(unreachable)
    async with app.router.lifespan_context(app), http(app) as client:
        live = await client.get("/health/live")
        ready = await client.get("/health/ready")
        metrics = await client.get("/metrics")

    assert live.status_code == 200
    assert ready.status_code == 503
    assert ready.json() == {"status": "unavailable", "checks": {"store": True, "broker": False}}
    assert metrics.status_code == 200


async def test_the_notifier_sends_once_kafka_answers_after_it_started_without_it(
    settings: NotifierSettings,
    smtp: SmtpServer,
    kafka_control: KafkaControl,
    kafka_bootstrap: str,
    topics: Topics,
) -> None:
    app = create_app(
        settings.model_copy(update={"broker_retry_seconds": 0.5}), clock=lambda: BEFORE_EU_DST
    )
    await kafka_control.stop()
    try:
        async with app.router.lifespan_context(app), http(app) as client:
            ready = await client.get("/health/ready")
            await kafka_control.start()
            await broker_connected(app, within=90)
            event = proposed()
            await publish_event(kafka_bootstrap, topics.pairings, event.data.pairing_id, event)
            await eventually(lambda: len(smtp.sink.received) == 2, within=60)
    finally:
        await kafka_control.start()

    assert ready.status_code == 503 and ready.json()["checks"]["broker"] is False
    assert sorted(r.recipients[0] for r in smtp.sink.received) == [
        "jana@example.org",
        "robert@example.org",
    ]
