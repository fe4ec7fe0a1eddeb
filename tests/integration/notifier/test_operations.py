"""Health and metrics endpoints of the running app, with the real store and broker."""

import pytest

from services.notifier.settings import NotifierSettings
from shared.events import NotificationSent
from shared.topics import Topics
from tests.builders.notifier import proposed
from tests.helpers import asgi_client
from tests.integration.notifier.conftest import SmtpServer, notifications, publish_event, running

pytestmark = pytest.mark.integration


async def test_ready_when_store_and_broker_answer_and_metrics_count_sent_emails(
    kafka_bootstrap: str, topics: Topics, settings: NotifierSettings, smtp: SmtpServer
) -> None:
    async with running(settings) as app:
        client = asgi_client(app, base_url="http://t")
        async with client:
            live = await client.get("/health/live")
            ready = await client.get("/health/ready")
            before = sent_count((await client.get("/metrics")).text)
            event = proposed()
            await publish_event(kafka_bootstrap, topics.pairings, event.data.pairing_id, event)
            # The counter moves when an outcome is recorded, a moment after the mail server took
            # the email; outcomes are published only once recorded: wait for both of them.
            outcomes = await notifications(kafka_bootstrap, topics, count=2)
            metrics = (await client.get("/metrics")).text

    assert live.status_code == 200
    assert ready.status_code == 200
    assert ready.json()["checks"] == {"store": True, "broker": True}
    assert [type(outcome) for _, outcome in outcomes] == [NotificationSent, NotificationSent]
    assert len(smtp.sink.received) == 2
    assert sent_count(metrics) == before + 2
    assert "notifier_smtp_seconds_bucket" in metrics
    assert "notifier_emails_retried_total" in metrics
    assert "notifier_emails_failed_total" in metrics


async def test_not_ready_when_the_store_is_unreachable(
    settings: NotifierSettings, smtp: SmtpServer
) -> None:
    unreachable = settings.model_copy(
        update={"mongodb_uri": "mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=200"}
    )
    async with running(unreachable) as app:
        client = asgi_client(app, base_url="http://t")
        async with client:
            ready = await client.get("/health/ready")

    assert ready.status_code == 503
    assert ready.json()["checks"] == {"store": False, "broker": True}


def sent_count(metrics: str) -> float:
    lines = [
        line for line in metrics.splitlines() if line.startswith("notifier_emails_sent_total{")
    ]
    return sum(float(line.rsplit(" ", 1)[1]) for line in lines if 'state="proposed"' in line)
