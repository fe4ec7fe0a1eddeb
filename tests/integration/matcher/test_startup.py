"""The matcher starts and serves while Kafka is down, and starts consuming once Kafka answers.

The second test stops and starts the real broker (`kafka_control`), so run it against a stack of
your own, never one that others are testing against at the same time.
"""

import pytest

from services.matcher.app import create_app
from services.matcher.settings import MatcherSettings
from tests.builders.matcher import old, young
from tests.conftest import KafkaControl
from tests.helpers import broker_connected, eventually
from tests.integration.matcher.conftest import PairingEvents, Profiles, http

pytestmark = pytest.mark.integration


async def test_the_matcher_starts_and_serves_while_kafka_is_unreachable(
    settings: MatcherSettings,
) -> None:
    unreachable = settings.model_copy(update={"kafka_bootstrap_servers": "127.0.0.1:1"})
    app = create_app(unreachable)
    async with app.router.lifespan_context(app), http(app) as client:
        live = await client.get("/health/live")
        ready = await client.get("/health/ready")
        pairings = await client.get("/pairings", params={"program_id": "nobody"})

    assert live.status_code == 200
    assert ready.status_code == 503
    assert ready.json() == {
        "status": "unavailable",
        "checks": {"store": True, "broker": False, "work_consumer": False},
    }
    assert pairings.status_code == 200 and pairings.json() == []


async def test_the_matcher_pairs_people_once_kafka_answers_after_it_started_without_it(
    settings: MatcherSettings,
    profiles: Profiles,
    pairing_events: PairingEvents,
    kafka_control: KafkaControl,
    unique: str,
) -> None:
    program = f"{unique}-p"
    await profiles.changed(
        young(f"{unique}-y", program=program, craft="c"),
        old(f"{unique}-o", program=program, craft="c"),
    )
    app = create_app(settings.model_copy(update={"broker_retry_seconds": 0.5}))
    await kafka_control.stop()
    try:
        async with app.router.lifespan_context(app), http(app) as client:
            ready = await client.get("/health/ready")
            await kafka_control.start()
            await broker_connected(app, within=90)
            await eventually(lambda: pairing_events.proposed_pairs(), within=90)
            ready_after = await client.get("/health/ready")
    finally:
        await kafka_control.start()

    assert ready.status_code == 503 and ready.json()["checks"]["broker"] is False
    assert pairing_events.proposed_pairs() == [(f"{unique}-y", f"{unique}-o")]
    assert ready_after.status_code == 200
