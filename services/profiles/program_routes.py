"""The program API: `admin` to write, `read` to read. Every write returns the new ETag."""

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response, status

from services.profiles.dependencies import IfMatchDep, OnceEach, OriginDep, etag
from services.profiles.programs.records import ProgramRecord
from services.profiles.programs.schemas import (
    ProgramChange,
    ProgramList,
    ProgramPut,
    ProgramQuery,
)
from services.profiles.programs.service import ProgramService
from services.profiles.runtime import RuntimeDep
from services.profiles.schemas import Problem
from shared.auth import AUTH_RESPONSES, CanRead, IsAdmin
from shared.programs import ProgramSnapshot

router = APIRouter(prefix="/programs", tags=["programs"])
_COMMON: dict[int | str, dict[str, object]] = AUTH_RESPONSES | {
    400: {"model": Problem, "description": "The body cannot be parsed."},
    413: {"model": Problem, "description": "The body is too large."},
    503: {"model": Problem, "description": "The store is unreachable; retry."},
}
_ONE = _COMMON | {404: {"model": Problem, "description": "No such program."}}
_WRITE = _ONE | {
    409: {"model": Problem, "description": "Others kept changing the program; retry."},
    412: {"model": Problem, "description": "If-Match names a version that is not current."},
}


async def _service(runtime: RuntimeDep) -> ProgramService:
    return runtime.programs


ProgramServiceDep = Annotated[ProgramService, Depends(_service)]
_ID = r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$"
ProgramId = Annotated[str, Path(pattern=_ID, examples=["emea-2027"])]


def _public(record: ProgramRecord, response: Response) -> ProgramSnapshot:
    response.headers["ETag"] = etag(record.version)
    return record.snapshot()


@router.put("/{program_id}", dependencies=[IsAdmin], responses=_WRITE)
async def put_program(
    program_id: ProgramId,
    body: ProgramPut,
    precondition: IfMatchDep,
    service: ProgramServiceDep,
    origin: OriginDep,
    response: Response,
) -> ProgramSnapshot:
    """Create (201) or replace (200) the whole program; `If-Match: "0"` only creates."""
    saved = await service.put(program_id, body.fields(), origin, expected=precondition.expected())
    if saved.created:
        response.status_code = status.HTTP_201_CREATED
        response.headers["Location"] = f"/programs/{program_id}"
    return _public(saved.record, response)


@router.patch("/{program_id}", dependencies=[IsAdmin], responses=_WRITE)
async def patch_program(
    program_id: ProgramId,
    body: ProgramChange,
    precondition: IfMatchDep,
    service: ProgramServiceDep,
    origin: OriginDep,
    response: Response,
) -> ProgramSnapshot:
    """Change only the fields sent; the result is validated as a whole."""
    saved = await service.patch(program_id, body.patch(), origin, expected=precondition.expected())
    return _public(saved.record, response)


@router.get("/{program_id}", dependencies=[CanRead], responses=_ONE)
async def get_program(
    program_id: ProgramId, service: ProgramServiceDep, response: Response
) -> ProgramSnapshot:
    return _public(await service.get(program_id), response)


@router.get("", dependencies=[CanRead, OnceEach], responses=_COMMON)
async def list_programs(
    service: ProgramServiceDep, query: Annotated[ProgramQuery, Query()]
) -> ProgramList:
    """Programs in id order; follow `next_cursor` for the next page."""
    limit = query.limit
    found = await service.every(limit=limit + 1, after=query.after)
    more = len(found) > limit
    return ProgramList(
        items=[record.snapshot() for record in found[:limit]],
        next_cursor=found[limit - 1].id if more else None,
    )
