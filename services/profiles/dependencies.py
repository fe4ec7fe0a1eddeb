"""FastAPI dependencies shared by the routes: the service (from the runtime), the caller's
origin, If-Match, a listing's query given once per parameter.

All `async def`: FastAPI runs a plain `def` dependency in a worker thread, which costs more than
the work each of these does."""

import re
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header, HTTPException, Path, Request, status
from fastapi.exceptions import RequestValidationError

from services.profiles.changes import Origin
from services.profiles.runtime import RuntimeDep
from services.profiles.service import ProfileService

ProfileId = Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$", examples=["p-1042"])]
_ETAG = re.compile(r'\s*"(\d{1,18})"\s*')


async def get_service(runtime: RuntimeDep) -> ProfileService:
    return runtime.service


async def get_origin(request: Request, runtime: RuntimeDep) -> Origin:
    """API writes are announced with the request's correlation id."""
    return Origin(producer=runtime.settings.producer, correlation_id=request.state.correlation_id)


@dataclass(frozen=True)
class IfMatch:
    """The version an If-Match header names; `None`: no header, or `*` (any version)."""

    version: int | None = None
    matchable: bool = True

    def expected(self) -> int | None:
        """Checked in the route, after FastAPI has validated the path and the body."""
        if not self.matchable:
            raise HTTPException(
                status.HTTP_412_PRECONDITION_FAILED, 'If-Match must be one strong ETag, e.g. "3"'
            )
        return self.version


async def if_match(
    header: Annotated[
        str | None,
        Header(
            alias="If-Match",
            description='The ETag you read, e.g. "3"; a stale one gets 412. `*`: any version.',
        ),
    ] = None,
) -> IfMatch:
    """Strong comparison (RFC 9110): a weak or malformed tag matches no version."""
    if header is None or header.strip() == "*":
        return IfMatch()
    found = _ETAG.fullmatch(header)
    return IfMatch(int(found[1])) if found else IfMatch(matchable=False)


async def once_each(request: Request) -> None:
    """A listing's query names each parameter at most once: a repeated one
    (`?program_id=a&program_id=b`) would otherwise be read as its last value alone, answering for
    one program while the caller asked for two."""
    query = request.query_params
    repeated = sorted({name for name in query if len(query.getlist(name)) > 1})
    if repeated:
        raise RequestValidationError(
            [
                {
                    "loc": ("query", name),
                    "msg": "must be given at most once",
                    "type": "value_error",
                    "input": query.getlist(name),
                }
                for name in repeated
            ]
        )


def etag(version: int) -> str:
    return f'"{version}"'


ServiceDep = Annotated[ProfileService, Depends(get_service)]
OriginDep = Annotated[Origin, Depends(get_origin)]
IfMatchDep = Annotated[IfMatch, Depends(if_match)]
OnceEach = Depends(once_each)
