"""Liveness, readiness and metrics: open to anyone (no API key), as probes and scrapers need."""

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from services.profiles.runtime import RuntimeDep
from shared.mongo import ping

router = APIRouter(tags=["operations"])


@router.get("/health/live")
async def live() -> dict[str, str]:
    """The process runs and serves HTTP."""
    return {"status": "ok"}


@router.get("/health/ready", responses={503: {"description": "The store or the broker is down."}})
async def ready(runtime: RuntimeDep) -> JSONResponse:
    """Whether the store and the broker answer. Writes still succeed while only Kafka is down;
    their events wait in the outbox (see the `profiles_outbox_backlog` metric)."""
    checks = {
        "store": await ping(runtime.client),
        "broker": await runtime.connection.alive(),
    }
    return JSONResponse(
        {"status": "ok" if all(checks.values()) else "unavailable", "checks": checks},
        status_code=200 if all(checks.values()) else 503,
    )


@router.get("/metrics", response_class=Response)
async def metrics() -> Response:
    """Prometheus metrics."""
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
