"""The FastAPI side: a route's scope as a dependency, and `protect(app, keys)` for each app.

A route opts in with `dependencies=[CanRead]` (or `require(scope)`); a route whose answer depends
on the caller reads `CallerScopes`. A request that names no valid key is refused before anything
else about it is looked at, even a body that does not parse: a stranger learns nothing about a
route's input.
"""

from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request, Security
from fastapi.exception_handlers import request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.security import APIKeyHeader

from shared.auth.keys import ApiKeys, Scope, permits, scopes_of
from shared.auth.problems import HEADER, NotAuthenticated, NotPermitted, forbidden, unauthenticated

header = APIKeyHeader(name=HEADER, auto_error=False, description="A key with the route's scope.")


async def caller_scopes(
    request: Request, presented: Annotated[str | None, Security(header)] = None
) -> frozenset[Scope]:
    """The scopes of the request's key; a request without a valid key goes no further."""
    scopes = scopes_of(_keys(request), presented)
    if scopes is None:
        raise NotAuthenticated(f"a valid {HEADER} header is required")
    return scopes


CallerScopes = Annotated[frozenset[Scope], Depends(caller_scopes)]
"""For a route whose answer depends on the caller's scopes (after its `require`)."""


class _Requirement:
    """The dependency `require` makes; it keeps its scope, so a refused body can be judged too."""

    def __init__(self, scope: Scope) -> None:
        self.scope = scope

    async def __call__(self, scopes: CallerScopes) -> None:
        if not permits(scopes, self.scope):
            raise NotPermitted(f"this key lacks the {self.scope} scope")


def require(scope: Scope) -> Any:
    """A route dependency letting the request through only with a key holding `scope`."""
    return Depends(_Requirement(scope))


CanRead = require(Scope.READ)
CanWrite = require(Scope.WRITE)
CanRespond = require(Scope.RESPOND)
IsAdmin = require(Scope.ADMIN)


def protect(app: FastAPI, keys: ApiKeys) -> None:
    """Give `app` its keys and the answers to requests without a fitting one. The keys are set
    when the app is built, not in its lifespan: refusing a request needs no store and no broker."""
    app.state.api_keys = dict(keys)
    app.add_exception_handler(NotAuthenticated, _not_authenticated)
    app.add_exception_handler(NotPermitted, _not_permitted)
    app.add_exception_handler(RequestValidationError, _invalid_request)


def _keys(request: Request) -> ApiKeys:
    keys: ApiKeys = request.app.state.api_keys
    return keys


async def _not_authenticated(_: Request, error: Exception) -> JSONResponse:
    return unauthenticated(str(error))


async def _not_permitted(_: Request, error: Exception) -> JSONResponse:
    return forbidden(str(error))


async def _invalid_request(request: Request, error: Exception) -> Response:
    """FastAPI parses a JSON body before any dependency runs: on a guarded route, a request
    without a valid key still gets 401, and one without the scope 403, not the parse errors."""
    guarded, needed = _requirements(request.scope.get("route"))
    if guarded:
        scopes = scopes_of(_keys(request), request.headers.get(HEADER))
        if scopes is None:
            return unauthenticated()
        if missing := [scope for scope in needed if not permits(scopes, scope)]:
            return forbidden(f"this key lacks the {missing[0]} scope")
    assert isinstance(error, RequestValidationError)
    return await request_validation_exception_handler(request, error)


def _requirements(route: object) -> tuple[bool, list[Scope]]:
    """Whether the route asks for the caller's scopes, and which scopes it requires."""
    guarded, needed = False, []
    pending = [getattr(route, "dependant", None)]
    while pending:
        dependant = pending.pop()
        if dependant is None:
            continue
        guarded = guarded or dependant.call is caller_scopes
        if isinstance(dependant.call, _Requirement):
            needed.append(dependant.call.scope)
        pending.extend(dependant.dependencies)
    return guarded, needed
