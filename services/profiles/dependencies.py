"""FastAPI dependencies shared by the routes: the service, the caller's origin, If-Match."""

import re
from typing import Annotated

from fastapi import Depends, Header, HTTPException, Request, status

from services.profiles.changes import Origin
from services.profiles.service import ProfileService

_ETAG = re.compile(r'\s*"(\d{1,18})"\s*')


def get_service(request: Request) -> ProfileService:
    service: ProfileService = request.app.state.service
    return service


def get_origin(request: Request) -> Origin:
    """API writes are announced with the request's correlation id."""
    return Origin(
        producer=request.app.state.settings.producer,
        correlation_id=request.state.correlation_id,
    )


def expected_version(
    if_match: Annotated[
        str | None,
        Header(description='The ETag you read, e.g. "3"; a stale one gets 412. `*`: any version.'),
    ] = None,
) -> int | None:
    """The version named by If-Match (strong comparison, so W/ tags never match)."""
    if if_match is None or if_match.strip() == "*":
        return None
    found = _ETAG.fullmatch(if_match)
    if not found:
        raise HTTPException(status.HTTP_412_PRECONDITION_FAILED, "If-Match must be one ETag")
    return int(found[1])


def etag(version: int) -> str:
    return f'"{version}"'


ServiceDep = Annotated[ProfileService, Depends(get_service)]
OriginDep = Annotated[Origin, Depends(get_origin)]
IfMatchDep = Annotated[int | None, Depends(expected_version)]
