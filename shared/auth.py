"""API keys with scopes, for every service's HTTP API.

Keys come from settings (`<PREFIX>_API_KEYS`, JSON: `{"<key>": ["read", "respond"]}`); several
keys are valid at once, so a key is rotated by adding the new one, moving the callers, then
removing the old one. A presented key is compared in constant time with every configured key, and
no key is ever logged or echoed.

A missing or unknown key gets 401 with `WWW-Authenticate`; a known key without the scope a route
needs gets 403; both as an RFC 7807 problem. `admin` implies every scope. Routes opt in with
`dependencies=[require(Scope.READ)]`; the health and metrics routes (`shared.health`) take none
and stay open. `tests/unit/test_api_keys.py` walks every OpenAPI document, so a route added
without a scope fails there.
"""

import hashlib
import hmac
from collections.abc import Callable, Coroutine, Mapping
from enum import StrEnum
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request, Security, status
from fastapi.responses import JSONResponse
from fastapi.security import APIKeyHeader
from pydantic import BaseModel

HEADER = "X-API-Key"
CHALLENGE = f'ApiKey header="{HEADER}"'
MIN_KEY_LENGTH = 8


class Scope(StrEnum):
    """What a key may do. `admin` implies the others and alone sees contact data."""

    READ = "read"  # read records (the matcher's pairings without contact data)
    WRITE = "write"  # create, change and delete profiles
    RESPOND = "respond"  # answer pairings on people's behalf (a trusted portal)
    ADMIN = "admin"  # everything, including exports and contact data


ApiKeys = Mapping[str, frozenset[Scope]]
"""Each configured key with its scopes."""

header = APIKeyHeader(name=HEADER, auto_error=False, description="A key with the route's scope.")


def scopes_of(keys: ApiKeys, presented: str | None) -> frozenset[Scope] | None:
    """The scopes of the presented key, or None if it is not a configured key."""
    if not presented:
        return None
    found = None
    given = _digest(presented)
    for key, scopes in keys.items():  # no early exit: the time taken says nothing about the keys
        if hmac.compare_digest(_digest(key), given):
            found = scopes
    return found


def _digest(key: str) -> bytes:
    """Compared as digests of equal length, so not even a key's length shows in the timing."""
    return hashlib.sha256(key.encode()).digest()


def permits(scopes: frozenset[Scope], needed: Scope) -> bool:
    return needed in scopes or Scope.ADMIN in scopes


class NotAuthenticated(Exception):
    """No key, or one that is not configured (401)."""


class NotPermitted(Exception):
    """A configured key without the scope the route needs (403)."""


async def caller_scopes(
    request: Request, presented: Annotated[str | None, Security(header)] = None
) -> frozenset[Scope]:
    """The scopes of the request's key; a request without a valid key goes no further."""
    keys: ApiKeys = request.app.state.api_keys
    scopes = scopes_of(keys, presented)
    if scopes is None:
        raise NotAuthenticated(f"a valid {HEADER} header is required")
    return scopes


CallerScopes = Annotated[frozenset[Scope], Depends(caller_scopes)]
"""For a route whose answer depends on the caller's scopes (after its `require`)."""


def require(scope: Scope) -> Any:
    """A route dependency letting the request through only with a key holding `scope`."""

    async def check(scopes: CallerScopes) -> None:
        if not permits(scopes, scope):
            raise NotPermitted(f"this key lacks the {scope} scope")

    return Depends(check)


class Problem(BaseModel):
    """Why a request was refused (RFC 7807); `detail` is where the services' other errors have it."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str


PROBLEM = "application/problem+json"


def problem(code: int, title: str, detail: str, **headers: str) -> JSONResponse:
    body = Problem(title=title, status=code, detail=detail).model_dump()
    return JSONResponse(body, code, headers=headers, media_type=PROBLEM)


async def _not_authenticated(_: Request, error: Exception) -> JSONResponse:
    return problem(401, "Unauthorized", str(error), **{"WWW-Authenticate": CHALLENGE})


async def _not_permitted(_: Request, error: Exception) -> JSONResponse:
    return problem(status.HTTP_403_FORBIDDEN, "Forbidden", str(error))


Handler = Callable[[Request, Exception], Coroutine[Any, Any, JSONResponse]]
_HANDLERS: dict[type[Exception], Handler] = {
    NotAuthenticated: _not_authenticated,
    NotPermitted: _not_permitted,
}


def protect(app: FastAPI, keys: ApiKeys) -> None:
    """Give `app` its keys and the answers to requests without a fitting one. The keys are set
    when the app is built, not in its lifespan: refusing a request needs no store and no broker."""
    app.state.api_keys = dict(keys)
    for error, handler in _HANDLERS.items():
        app.add_exception_handler(error, handler)


_SCHEMA = {PROBLEM: {"schema": Problem.model_json_schema()}}
AUTH_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"description": "No valid API key.", "content": _SCHEMA},
    403: {"description": "The key lacks the scope.", "content": _SCHEMA},
}
"""The OpenAPI responses every protected route shares."""

CanRead = require(Scope.READ)
CanWrite = require(Scope.WRITE)
CanRespond = require(Scope.RESPOND)
IsAdmin = require(Scope.ADMIN)
