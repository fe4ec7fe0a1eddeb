"""API keys with scopes, for every service's HTTP API.

Keys come from settings (`<PREFIX>_API_KEYS`, JSON: `{"<key>": ["read", "respond"]}`); several
keys are valid at once, so a key is rotated by adding the new one, moving the callers, then
removing the old one. A presented key is compared in constant time with every configured key, and
no key is ever logged or echoed.

A missing or unknown key gets 401 with `WWW-Authenticate`; a known key without the scope a route
needs gets 403; both as an RFC 7807 problem. `admin` implies every scope. Routes opt in with
`dependencies=[CanRead]`; the health and metrics routes (`shared.health`) take none and stay
open. `tests/unit/test_api_keys.py` walks every OpenAPI document, so a route added without a
scope fails there.

`keys` (pure: scopes and the comparison), `problems` (the answers), `guard` (FastAPI).
"""

from shared.auth.guard import (
    CallerScopes,
    CanRead,
    CanRespond,
    CanWrite,
    IsAdmin,
    caller_scopes,
    protect,
    require,
)
from shared.auth.keys import MIN_KEY_LENGTH, ApiKeys, Scope, permits, scopes_of
from shared.auth.problems import AUTH_RESPONSES, CHALLENGE, HEADER, PROBLEM, Problem

__all__ = [
    "AUTH_RESPONSES",
    "CHALLENGE",
    "HEADER",
    "MIN_KEY_LENGTH",
    "PROBLEM",
    "ApiKeys",
    "CallerScopes",
    "CanRead",
    "CanRespond",
    "CanWrite",
    "IsAdmin",
    "Problem",
    "Scope",
    "caller_scopes",
    "permits",
    "protect",
    "require",
    "scopes_of",
]
