"""Every route of every service needs a key with the route's scope; only health and metrics are
open, and no key is ever logged.

The tests walk each service's OpenAPI document: a route added without a scope, or with a scope
that differs from `SCOPES`, fails here until its scope is decided and written down. The apps run
without their lifespan (no broker, no store): refusing a request must need neither. A request
that passes the check goes on to a route whose runtime is missing and fails there (500), which is
enough to see that the key was let through.
"""

import io
import json
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from services.matcher.app import create_app as matcher_app
from services.matcher.settings import MatcherSettings
from services.notifier.app import create_app as notifier_app
from services.notifier.settings import NotifierSettings
from services.profiles.app import create_app as profiles_app
from services.profiles.settings import ProfilesSettings
from shared.auth import CHALLENGE, PROBLEM, Scope

READ, WRITE, RESPOND, ADMIN = Scope.READ, Scope.WRITE, Scope.RESPOND, Scope.ADMIN
KEY = {scope: f"{scope}-key-{'x' * 16}" for scope in Scope}
ROTATED_ADMIN = "admin-key-next-0001"
KEYS: dict[str, list[str]] = {key: [scope] for scope, key in KEY.items()}
KEYS[ROTATED_ADMIN] = ["admin"]

SCOPES: dict[tuple[str, str, str], Scope] = {
    ("profiles", "POST", "/profiles"): WRITE,
    ("profiles", "GET", "/profiles"): READ,
    ("profiles", "GET", "/profiles/{profile_id}"): READ,
    ("profiles", "PUT", "/profiles/{profile_id}"): WRITE,
    ("profiles", "PATCH", "/profiles/{profile_id}"): WRITE,
    ("profiles", "DELETE", "/profiles/{profile_id}"): WRITE,
    ("profiles", "GET", "/profiles/{profile_id}/export"): ADMIN,
    ("profiles", "GET", "/programs"): READ,
    ("profiles", "GET", "/programs/{program_id}"): READ,
    ("profiles", "PUT", "/programs/{program_id}"): ADMIN,
    ("profiles", "PATCH", "/programs/{program_id}"): ADMIN,
    ("matcher", "GET", "/pairings"): READ,
    ("matcher", "GET", "/pairings/{pairing_id}"): READ,
    ("matcher", "POST", "/pairings/{pairing_id}/responses"): RESPOND,
    ("matcher", "POST", "/pairings/{pairing_id}/end"): RESPOND,
    ("matcher", "POST", "/programs/{program_id}/rounds"): ADMIN,
    ("matcher", "GET", "/programs/{program_id}/rounds/{round_id}"): ADMIN,
    ("matcher", "GET", "/programs/{program_id}/preview"): ADMIN,
    ("matcher", "GET", "/programs/{program_id}/report"): ADMIN,
    ("matcher", "GET", "/programs/{program_id}/report.html"): ADMIN,
}
"""The scope each route needs (`admin` passes everywhere)."""

OPEN = {("GET", "/health/live"), ("GET", "/health/ready"), ("GET", "/metrics")}
"""Routes without a key: probes and scrapers. A route that authenticates otherwise (a signed
link, say) belongs here, with its own tests."""
SIGNED = {
    ("matcher", "GET", "/answers/{token}"),
    ("matcher", "POST", "/answers/{token}"),
    ("notifier", "GET", "/unsubscribe/{token}"),
    ("notifier", "POST", "/unsubscribe/{token}"),
}
"""Routes that take no key because a signed link authorises them (the one-click answers, tested
in `tests/unit/matcher/test_answer_pages.py`; the one-click unsubscribe from reminders, tested in
`tests/unit/notifier/test_unsubscribe.py`)."""


def apps() -> dict[str, FastAPI]:
    return {
        "profiles": profiles_app(ProfilesSettings(api_keys=KEYS)),
        "matcher": matcher_app(MatcherSettings(api_keys=KEYS)),
        "notifier": notifier_app(NotifierSettings(api_keys=KEYS)),
    }


APPS = apps()


def operations(app: FastAPI) -> set[tuple[str, str]]:
    paths: dict[str, dict[str, Any]] = app.openapi()["paths"]
    return {(method.upper(), path) for path, item in paths.items() for method in item}


async def call(
    service: str, method: str, path: str, key: str | None, body: bytes = b""
) -> httpx.Response:
    """One request with made-up path parameters and, unless given, an empty body."""
    transport = httpx.ASGITransport(APPS[service], raise_app_exceptions=False)
    headers = {"X-API-Key": key} if key is not None else {}
    if body:
        headers["Content-Type"] = "application/json"
    url = path.replace("{", "").replace("}", "-1")  # {profile_id} -> profile_id-1
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        return await client.request(method, url, headers=headers, content=body)


@pytest.mark.parametrize("service", sorted(APPS))
def test_every_documented_route_is_open_by_design_or_has_its_scope_written_down(
    service: str,
) -> None:
    signed = {(method, path) for (owner, method, path) in SIGNED if owner == service}
    documented = operations(APPS[service]) - OPEN - signed
    written = {(method, path) for (owner, method, path) in SCOPES if owner == service}

    assert documented == written
    assert operations(APPS[service]) >= OPEN


@pytest.mark.parametrize(("service", "method", "path"), sorted(SCOPES))
async def test_a_missing_or_unknown_key_gets_401_and_a_wrong_scope_403(
    service: str, method: str, path: str
) -> None:
    needed = SCOPES[service, method, path]
    missing = await call(service, method, path, None)
    unknown = await call(service, method, path, "not-a-configured-key")
    wrong = {
        s: await call(service, method, path, KEY[s]) for s in Scope if s not in (needed, ADMIN)
    }

    for refused in (missing, unknown):
        assert refused.status_code == 401
        assert refused.headers["www-authenticate"] == CHALLENGE
        assert refused.headers["content-type"] == PROBLEM
        assert refused.json()["status"] == 401 and refused.json()["title"] == "Unauthorized"
    assert "not-a-configured-key" not in unknown.text
    assert {s: r.status_code for s, r in wrong.items()} == dict.fromkeys(wrong, 403)
    assert all(r.json()["detail"] == f"this key lacks the {needed} scope" for r in wrong.values())


@pytest.mark.parametrize(("service", "method", "path"), sorted(SCOPES))
async def test_the_routes_scope_and_admin_and_a_rotated_key_are_let_through(
    service: str, method: str, path: str
) -> None:
    keys = (KEY[SCOPES[service, method, path]], KEY[ADMIN], ROTATED_ADMIN)
    codes = [(await call(service, method, path, key)).status_code for key in keys]

    assert not {401, 403} & set(codes)


WITH_BODY = sorted(route for route in SCOPES if route[1] in {"POST", "PUT", "PATCH"})


@pytest.mark.parametrize(("service", "method", "path"), WITH_BODY)
async def test_a_body_that_does_not_parse_is_refused_by_key_before_it_is_judged(
    service: str, method: str, path: str
) -> None:
    needed = SCOPES[service, method, path]
    wrong = next(s for s in Scope if s not in (needed, ADMIN))
    codes = [
        (await call(service, method, path, key, body=b'{"broken')).status_code
        for key in (None, "not-a-configured-key", KEY[wrong], KEY[needed])
    ]

    assert codes == [401, 401, 403, 422]


@pytest.mark.parametrize("service", sorted(APPS))
async def test_health_and_metrics_need_no_key(service: str) -> None:
    live = await call(service, "GET", "/health/live", None)
    metrics = await call(service, "GET", "/metrics", None)

    assert (live.status_code, metrics.status_code) == (200, 200)


async def test_no_key_is_ever_logged(json_logs: io.StringIO) -> None:
    presented = [*KEY.values(), ROTATED_ADMIN, "a-wrong-key-0001"]
    for service, method, path in SCOPES:
        for key in presented:
            await call(service, method, path, key)

    lines = [json.loads(line) for line in json_logs.getvalue().splitlines()]
    text = json.dumps(lines)
    assert [line for line in lines if line.get("event") == "request"]  # the logs were captured
    assert not [key for key in presented if key in text]
