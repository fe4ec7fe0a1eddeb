"""Liveness, readiness and metrics: the same three endpoints, with the same bodies, in every service.

They are open to anyone (no API key), as probes and scrapers need. Readiness runs every named
check at once and answers `{"status": "ok" | "unavailable", "checks": {name: bool}}`, with 200
only when all pass. A check that raises, or does not answer within `CHECK_SECONDS`, has failed:
a dependency that hangs must not hang the probe that asks about it.
"""

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from typing import Literal

from fastapi import APIRouter, Response, status
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel

Check = Callable[[], Awaitable[bool]]
"""Whether one dependency answers now."""

CHECK_SECONDS = 2.0


class Liveness(BaseModel):
    status: Literal["ok"] = "ok"


class Readiness(BaseModel):
    status: Literal["ok", "unavailable"]
    checks: dict[str, bool]


async def passes(check: Check, *, within: float = CHECK_SECONDS) -> bool:
    """The check's answer, or False when it fails or takes longer than `within` seconds."""
    try:
        return bool(await asyncio.wait_for(check(), timeout=within))
    except Exception:
        return False


Checks = Mapping[str, Check] | Callable[[], Mapping[str, Check]]
"""Checks by dependency name, or a function giving them when asked (for checks on what a
lifespan builds)."""


def health_router(checks: Checks, *, within: float = CHECK_SECONDS) -> APIRouter:
    """`/health/live`, `/health/ready` over `checks`, and `/metrics`."""
    router = APIRouter(tags=["operations"])

    @router.get("/health/live")
    async def live() -> Liveness:
        """The process runs and serves HTTP."""
        return Liveness()

    @router.get(
        "/health/ready",
        responses={503: {"model": Readiness, "description": "A dependency does not answer."}},
    )
    async def ready(response: Response) -> Readiness:
        """Whether every dependency answers, each within a bounded time."""
        named = checks() if callable(checks) else checks
        results = await asyncio.gather(*(passes(check, within=within) for check in named.values()))
        ok = all(results)
        if not ok:
            response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
        verdicts = dict(zip(named, results, strict=True))
        return Readiness(status="ok" if ok else "unavailable", checks=verdicts)

    @router.get("/metrics", response_class=Response)
    async def metrics() -> Response:
        """Prometheus metrics of this process."""
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return router
