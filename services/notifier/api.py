"""Operations endpoints: liveness, readiness (store and broker), Prometheus metrics."""

import asyncio
from collections.abc import Awaitable, Callable

from fastapi import APIRouter, Response, status
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

Check = Callable[[], Awaitable[bool]]
CHECK_SECONDS = 2.0  # a probe must answer quickly, even while a dependency hangs


async def _passes(check: Check) -> bool:
    try:
        return await asyncio.wait_for(check(), timeout=CHECK_SECONDS)
    except TimeoutError:
        return False


def operations_router(checks: dict[str, Check]) -> APIRouter:
    """`checks` name each dependency readiness depends on."""
    router = APIRouter(tags=["operations"])

    @router.get("/health/live")
    async def live() -> dict[str, str]:
        return {"status": "ok"}

    @router.get("/health/ready")
    async def ready(response: Response) -> dict[str, object]:
        results = {name: await _passes(check) for name, check in checks.items()}
        ok = all(results.values())
        if not ok:
            response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
        return {"status": "ok" if ok else "unavailable", "checks": results}

    @router.get("/metrics")
    async def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return router
