"""API keys with scopes, from configuration. Keys are compared in constant time and never logged.

Missing or unknown key: 401. Known key without the scope: 403. `admin` implies every scope.
"""

import hmac
from collections.abc import Awaitable, Callable, Mapping
from typing import Annotated

from fastapi import Depends, HTTPException, Security, status
from fastapi.security import APIKeyHeader

from services.profiles.runtime import RuntimeDep
from services.profiles.settings import Scope

api_key_header = APIKeyHeader(
    name="X-API-Key", auto_error=False, description="An API key with the scope the route needs."
)


def scopes_of(
    keys: Mapping[str, frozenset[Scope]], presented: str | None
) -> frozenset[Scope] | None:
    """The scopes of the presented key, or None if it is not a configured key."""
    if not presented:
        return None
    found = None
    for key, scopes in keys.items():  # no early exit: the time taken says nothing about the keys
        if hmac.compare_digest(key.encode(), presented.encode()):
            found = scopes
    return found


def require(scope: Scope) -> Callable[..., Awaitable[None]]:
    """A dependency that lets the request through only with a key holding `scope`."""

    async def check(
        runtime: RuntimeDep, key: Annotated[str | None, Security(api_key_header)] = None
    ) -> None:
        scopes = scopes_of(runtime.settings.api_keys, key)
        if scopes is None:
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED,
                "a valid X-API-Key header is required",
                headers={"WWW-Authenticate": "ApiKey"},
            )
        if scope not in scopes and Scope.ADMIN not in scopes:
            raise HTTPException(status.HTTP_403_FORBIDDEN, f"this key lacks the {scope} scope")

    return check


CanRead = Depends(require(Scope.READ))
CanWrite = Depends(require(Scope.WRITE))
IsAdmin = Depends(require(Scope.ADMIN))
