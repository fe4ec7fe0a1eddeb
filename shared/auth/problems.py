"""How a refused request is answered: an RFC 7807 problem, 401 with a challenge or 403."""

from typing import Any

from fastapi import status
from fastapi.responses import JSONResponse
from pydantic import BaseModel

HEADER = "X-API-Key"
CHALLENGE = f'ApiKey header="{HEADER}"'
PROBLEM = "application/problem+json"


class NotAuthenticated(Exception):
    """No key, or one that is not configured (401)."""


class NotPermitted(Exception):
    """A configured key without the scope the route needs (403)."""


class Problem(BaseModel):
    """Why a request was refused (RFC 7807); `detail` is where the services' other errors have it."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str


def problem(code: int, title: str, detail: str, **headers: str) -> JSONResponse:
    body = Problem(title=title, status=code, detail=detail).model_dump()
    return JSONResponse(body, code, headers=headers, media_type=PROBLEM)


def unauthenticated(detail: str = f"a valid {HEADER} header is required") -> JSONResponse:
    return problem(401, "Unauthorized", detail, **{"WWW-Authenticate": CHALLENGE})


def forbidden(detail: str) -> JSONResponse:
    return problem(status.HTTP_403_FORBIDDEN, "Forbidden", detail)


_SCHEMA = {PROBLEM: {"schema": Problem.model_json_schema()}}
AUTH_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"description": "No valid API key.", "content": _SCHEMA},
    403: {"description": "The key lacks the scope.", "content": _SCHEMA},
}
"""The OpenAPI responses every protected route shares."""
