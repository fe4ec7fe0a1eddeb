"""The HTTP API: thin routes over `ProfileService`. Every write returns the new ETag (the version)."""

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from services.profiles import pagination
from services.profiles.dependencies import (
    IfMatchDep,
    OnceEach,
    OriginDep,
    ProfileId,
    ServiceDep,
    etag,
)
from services.profiles.records import ProfileRecord
from services.profiles.schemas import (
    Problem,
    ProfileCreate,
    ProfileExport,
    ProfileFilters,
    ProfilePage,
    ProfilePublic,
    ProfileUpdate,
)
from services.profiles.store import ProfileQuery
from shared.auth import AUTH_RESPONSES, CanRead, CanWrite, IsAdmin
from shared.commands import ProfileChangeRequest

router = APIRouter(prefix="/profiles", tags=["profiles"])
_COMMON: dict[int | str, dict[str, object]] = AUTH_RESPONSES | {
    400: {"model": Problem, "description": "The body cannot be parsed."},
    413: {"model": Problem, "description": "The body is too large."},
    503: {"model": Problem, "description": "The store is unreachable; retry."},
}
_ONE = _COMMON | {404: {"model": Problem, "description": "No such profile."}}
_WRITE = _ONE | {
    409: {"model": Problem, "description": "Another profile in the program has this email."},
    412: {"model": Problem, "description": "If-Match names a version that is not current."},
}


def _public(record: ProfileRecord, response: Response) -> ProfilePublic:
    response.headers["ETag"] = etag(record.version)
    return record.snapshot()


@router.post("", status_code=status.HTTP_201_CREATED, dependencies=[CanWrite], responses=_WRITE)
async def create_profile(
    body: ProfileCreate, service: ServiceDep, origin: OriginDep, response: Response
) -> ProfilePublic:
    """Create a profile under a new id."""
    record = await service.create(body, origin)
    response.headers["Location"] = f"/profiles/{record.id}"
    return _public(record, response)


@router.get("/{profile_id}", dependencies=[CanRead], responses=_ONE)
async def get_profile(
    profile_id: ProfileId, service: ServiceDep, response: Response
) -> ProfilePublic:
    return _public(await service.get(profile_id), response)


@router.put("/{profile_id}", dependencies=[CanWrite], responses=_WRITE)
async def replace_profile(
    profile_id: ProfileId,
    body: ProfileCreate,
    precondition: IfMatchDep,
    service: ServiceDep,
    origin: OriginDep,
    response: Response,
) -> ProfilePublic:
    """Replace every field of an existing profile."""
    request = ProfileChangeRequest(
        op="upsert", profile_id=profile_id, profile=body, expected_version=precondition.expected()
    )
    outcome = await service.apply(request, origin, must_exist=True)
    assert outcome.record is not None
    return _public(outcome.record, response)


@router.patch("/{profile_id}", dependencies=[CanWrite], responses=_WRITE)
async def update_profile(
    profile_id: ProfileId,
    body: ProfileUpdate,
    precondition: IfMatchDep,
    service: ServiceDep,
    origin: OriginDep,
    response: Response,
) -> ProfilePublic:
    """Change only the fields sent; the result is validated as a whole."""
    request = ProfileChangeRequest(
        op="patch", profile_id=profile_id, patch=body, expected_version=precondition.expected()
    )
    outcome = await service.apply(request, origin, must_exist=True)
    assert outcome.record is not None
    return _public(outcome.record, response)


@router.delete(
    "/{profile_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    dependencies=[CanWrite],
    responses=_WRITE,
)
async def delete_profile(
    profile_id: ProfileId, precondition: IfMatchDep, service: ServiceDep, origin: OriginDep
) -> None:
    """Delete the profile; a profile-deleted event and a tombstone follow on the canonical topic."""
    request = ProfileChangeRequest(
        op="delete", profile_id=profile_id, expected_version=precondition.expected()
    )
    await service.apply(request, origin, must_exist=True)


@router.get("", dependencies=[CanRead, OnceEach], responses=_COMMON)
async def list_profiles(
    service: ServiceDep, filters: Annotated[ProfileFilters, Query()]
) -> ProfilePage:
    """Profiles in id order, filtered; follow `next_cursor` for the next page."""
    after = pagination.decode(filters.cursor) if filters.cursor is not None else None
    query = ProfileQuery(
        program_id=filters.program_id,
        skill_offered=filters.skill_offered,
        skill_wanted=filters.skill_wanted,
        opted_in=filters.opted_in,
        after=after,
    )
    found = await service.search(query, limit=filters.limit + 1)
    more = len(found) > filters.limit
    return ProfilePage(
        items=[record.snapshot() for record in found[: filters.limit]],
        next_cursor=pagination.encode(found[filters.limit - 1].id) if more else None,
    )


@router.get("/{profile_id}/export", dependencies=[IsAdmin], responses=_ONE)
async def export_profile(profile_id: ProfileId, service: ServiceDep) -> ProfileExport:
    """Everything stored about this person, including events not yet published."""
    return ProfileExport.of(await service.get(profile_id))
