"""Turns the service's exceptions into HTTP responses; the only place that knows both."""

from fastapi import FastAPI, Request, status
from fastapi.responses import JSONResponse

from services.profiles.errors import (
    DuplicateEmail,
    InvalidChange,
    ProfileError,
    ProfileExists,
    ProfileNotFound,
    ProgramNotFound,
    StoreUnavailable,
    VersionMismatch,
    WriteConflict,
)
from services.profiles.pagination import InvalidCursor

STATUS: dict[type[Exception], int] = {
    ProfileNotFound: status.HTTP_404_NOT_FOUND,
    ProgramNotFound: status.HTTP_404_NOT_FOUND,
    VersionMismatch: status.HTTP_412_PRECONDITION_FAILED,
    ProfileExists: status.HTTP_409_CONFLICT,
    DuplicateEmail: status.HTTP_409_CONFLICT,
    WriteConflict: status.HTTP_409_CONFLICT,
}


async def _profile_error(_: Request, exc: Exception) -> JSONResponse:
    if isinstance(exc, InvalidChange):
        detail = [
            {"loc": ["body", *e["loc"]], "msg": e["msg"], "type": e["type"]} for e in exc.errors
        ]
        return JSONResponse({"detail": detail}, status.HTTP_422_UNPROCESSABLE_CONTENT)
    code = STATUS.get(type(exc), status.HTTP_409_CONFLICT)
    return JSONResponse({"detail": str(exc)}, code)


async def _invalid_cursor(_: Request, exc: Exception) -> JSONResponse:
    detail = [{"loc": ["query", "cursor"], "msg": str(exc), "type": "value_error"}]
    return JSONResponse({"detail": detail}, status.HTTP_422_UNPROCESSABLE_CONTENT)


async def _store_unavailable(_: Request, exc: Exception) -> JSONResponse:
    return JSONResponse(
        {"detail": "the profile store is unavailable; retry shortly"},
        status.HTTP_503_SERVICE_UNAVAILABLE,
        headers={"Retry-After": "5"},
    )


def install(app: FastAPI) -> None:
    app.add_exception_handler(ProfileError, _profile_error)
    app.add_exception_handler(InvalidCursor, _invalid_cursor)
    app.add_exception_handler(StoreUnavailable, _store_unavailable)
