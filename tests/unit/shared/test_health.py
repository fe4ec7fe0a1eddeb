"""One readiness shape for every service, and a check that hangs or fails counts as down."""

import asyncio

import httpx
from fastapi import FastAPI

from shared.health import Check, health_router
from tests.helpers import asgi_client


def client(checks: dict[str, Check], *, within: float = 2.0) -> httpx.AsyncClient:
    app = FastAPI()
    app.include_router(health_router(checks, within=within))
    return asgi_client(app, base_url="http://t")


async def up() -> bool:
    return True


async def down() -> bool:
    return False


async def hangs() -> bool:
    await asyncio.Event().wait()
    return True


async def raises() -> bool:
    raise ConnectionError("refused")


async def test_ready_when_every_check_passes() -> None:
    async with client({"store": up, "broker": up}) as http:
        ready = await http.get("/health/ready")
        live = await http.get("/health/live")

    assert ready.status_code == 200
    assert ready.json() == {"status": "ok", "checks": {"store": True, "broker": True}}
    assert live.status_code == 200 and live.json() == {"status": "ok"}


async def test_a_check_that_fails_hangs_or_raises_makes_the_service_unavailable() -> None:
    checks: dict[str, Check] = {"store": up, "broker": down, "slow": hangs, "broken": raises}
    async with client(checks, within=0.05) as http:
        ready = await http.get("/health/ready")

    assert ready.status_code == 503
    assert ready.json() == {
        "status": "unavailable",
        "checks": {"store": True, "broker": False, "slow": False, "broken": False},
    }


async def test_checks_can_be_given_when_asked_for_what_a_lifespan_builds() -> None:
    built: dict[str, Check] = {}
    app = FastAPI()
    app.include_router(health_router(lambda: built))
    built["store"] = down
    async with asgi_client(app, base_url="http://t") as http:
        ready = await http.get("/health/ready")

    assert ready.status_code == 503 and ready.json()["checks"] == {"store": False}


async def test_metrics_are_served_as_prometheus_text() -> None:
    async with client({}) as http:
        metrics = await http.get("/metrics")

    assert metrics.status_code == 200
    assert metrics.headers["content-type"].startswith("text/plain")
