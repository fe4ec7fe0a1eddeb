"""The HTTP API against the real store and broker: CRUD, every error code, ETags."""

from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.builders.profiles import profile_fields
from tests.integration.profiles.conftest import http_client

pytestmark = pytest.mark.integration


def body(**overrides: Any) -> dict[str, Any]:
    return profile_fields(**overrides).model_dump(mode="json")


async def created(client: httpx.AsyncClient, **overrides: Any) -> dict[str, Any]:
    response = await client.post("/profiles", json=body(**overrides))
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def test_a_created_profile_can_be_read_back_with_its_location_and_etag(
    client: httpx.AsyncClient, unique: str
) -> None:
    response = await client.post("/profiles", json=body(program_id=unique, name="Ada"))

    assert response.status_code == 201
    profile = response.json()
    assert response.headers["location"] == f"/profiles/{profile['id']}"
    assert response.headers["etag"] == '"1"'
    read = await client.get(response.headers["location"])
    assert read.status_code == 200
    assert read.json() == profile
    assert read.headers["etag"] == '"1"'
    assert profile["name"] == "Ada" and profile["version"] == 1


async def test_put_replaces_every_field_and_bumps_the_version(client: httpx.AsyncClient) -> None:
    profile = await created(client, department="Sales")

    response = await client.put(
        f"/profiles/{profile['id']}", json=body(name="Grace", department=None)
    )

    assert response.status_code == 200
    assert response.headers["etag"] == '"2"'
    assert response.json()["name"] == "Grace"
    assert response.json()["department"] is None


async def test_patch_changes_only_the_fields_sent(client: httpx.AsyncClient) -> None:
    profile = await created(client, name="Ada", max_pairings=1)

    response = await client.patch(f"/profiles/{profile['id']}", json={"max_pairings": 3})

    assert response.status_code == 200
    changed = response.json()
    assert (changed["max_pairings"], changed["name"], changed["version"]) == (3, "Ada", 2)


async def test_a_write_that_changes_nothing_keeps_the_version(client: httpx.AsyncClient) -> None:
    profile = await created(client, name="Ada")

    response = await client.patch(f"/profiles/{profile['id']}", json={"name": "Ada"})

    assert response.status_code == 200
    assert response.headers["etag"] == '"1"'


async def test_a_deleted_profile_is_gone(client: httpx.AsyncClient) -> None:
    profile = await created(client)

    response = await client.delete(f"/profiles/{profile['id']}")

    assert response.status_code == 204
    assert (await client.get(f"/profiles/{profile['id']}")).status_code == 404
    assert (await client.delete(f"/profiles/{profile['id']}")).status_code == 404


@pytest.mark.parametrize("method", ["GET", "PUT", "PATCH", "DELETE"])
async def test_an_unknown_profile_is_404(
    client: httpx.AsyncClient, method: str, unique: str
) -> None:
    json_body = {"PUT": body(), "PATCH": {"name": "X"}}.get(method)

    response = await client.request(method, f"/profiles/nobody-{unique}", json=json_body)

    assert response.status_code == 404
    assert "not found" in response.json()["detail"]


async def test_an_invalid_body_is_422_with_the_reason_for_each_field(
    client: httpx.AsyncClient,
) -> None:
    wrong = body() | {"timezone": "Mars/Olympus", "birth_year": 1850}

    response = await client.post("/profiles", json=wrong)

    assert response.status_code == 422
    reasons = {tuple(e["loc"]): e["msg"] for e in response.json()["detail"]}
    assert "unknown IANA timezone" in reasons[("body", "timezone")]
    assert "birth year must be between" in reasons[("body", "birth_year")]


async def test_a_patch_that_would_leave_an_invalid_profile_is_422(
    client: httpx.AsyncClient,
) -> None:
    profile = await created(client)

    response = await client.patch(f"/profiles/{profile['id']}", json={"name": None})

    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "name"]
    assert (await client.get(f"/profiles/{profile['id']}")).json()["version"] == 1


async def test_a_second_profile_with_the_same_email_in_a_program_is_409(
    client: httpx.AsyncClient, unique: str
) -> None:
    email = f"same-{unique}@example.org"
    first = await created(client, program_id=f"a{unique}", email=email)
    await created(client, program_id=f"b{unique}", email=email)  # another program: fine
    other = await created(client, program_id=f"a{unique}", email=f"other-{unique}@example.org")

    again = await client.post("/profiles", json=body(program_id=f"a{unique}", email=email.upper()))
    moved = await client.patch(f"/profiles/{other['id']}", json={"email": email})

    assert again.status_code == 409 and moved.status_code == 409
    assert email not in again.text and email not in moved.text
    assert (await client.get(f"/profiles/{first['id']}")).json()["email"] == email


async def test_a_stale_if_match_is_412_and_a_current_one_succeeds(
    client: httpx.AsyncClient,
) -> None:
    profile = await created(client)
    url = f"/profiles/{profile['id']}"
    await client.patch(url, json={"name": "Second"}, headers={"If-Match": '"1"'})

    stale = [
        await client.patch(url, json={"name": "Lost"}, headers={"If-Match": '"1"'}),
        await client.put(url, json=body(name="Lost"), headers={"If-Match": '"1"'}),
        await client.delete(url, headers={"If-Match": '"1"'}),
        await client.patch(url, json={"name": "Lost"}, headers={"If-Match": 'W/"2"'}),
    ]
    current = await client.patch(url, json={"name": "Third"}, headers={"If-Match": '"2"'})

    assert [r.status_code for r in stale] == [412, 412, 412, 412]
    assert current.status_code == 200 and current.headers["etag"] == '"3"'


async def test_a_body_over_the_limit_is_413_whether_declared_or_streamed(
    client: httpx.AsyncClient,
) -> None:
    huge = b'{"name": "' + b"x" * 70_000 + b'"}'

    async def chunks() -> Any:
        for start in range(0, len(huge), 8192):
            yield huge[start : start + 8192]

    declared = await client.post(
        "/profiles", content=huge, headers={"content-type": "application/json"}
    )
    streamed = await client.post(
        "/profiles", content=chunks(), headers={"content-type": "application/json"}
    )

    assert declared.status_code == 413 and streamed.status_code == 413
    assert "larger than 65536 bytes" in declared.json()["detail"]


async def test_a_listing_filters_and_pages_through_every_match_once(
    client: httpx.AsyncClient, unique: str
) -> None:
    program = f"list-{unique}"
    ids = set()
    for n in range(5):
        offered = ["leadership"] if n % 2 else ["social_media"]
        profile = await created(
            client,
            program_id=program,
            email=f"p{n}-{unique}@example.org",
            skills_offered={"vocabulary": offered},
            opted_in=n != 4,
        )
        ids.add(profile["id"])
    await created(client, program_id=f"other-{unique}")

    seen: list[str] = []
    cursor = None
    while True:
        params = {"program_id": program, "limit": 2} | ({"cursor": cursor} if cursor else {})
        page = (await client.get("/profiles", params=params)).json()
        seen += [item["id"] for item in page["items"]]
        if not (cursor := page["next_cursor"]):
            break
    leaders = await client.get(
        "/profiles", params={"program_id": program, "skill_offered": "leadership"}
    )
    opted_out = await client.get("/profiles", params={"program_id": program, "opted_in": False})

    assert seen == sorted(ids)
    assert len(leaders.json()["items"]) == 2
    assert all("leadership" in p["skills_offered"]["vocabulary"] for p in leaders.json()["items"])
    assert [p["opted_in"] for p in opted_out.json()["items"]] == [False]


@pytest.mark.parametrize(
    "params",
    [
        {"limit": 0},
        {"limit": 101},
        {"cursor": "not-ours"},
        {"skill_wanted": "juggling"},
        {"skill_offerd": "leadership"},  # a misspelt filter must not list everyone
    ],
)
async def test_a_listing_with_bad_parameters_is_422(
    client: httpx.AsyncClient, params: dict[str, Any]
) -> None:
    assert (await client.get("/profiles", params=params)).status_code == 422


@pytest.mark.parametrize(("path", "name"), [("/profiles", "program_id"), ("/programs", "after")])
async def test_a_listing_parameter_given_twice_is_422_naming_it(
    client: httpx.AsyncClient, path: str, name: str
) -> None:
    response = await client.get(path, params={name: ["prog-a", "prog-b"]})
    assert response.status_code == 422
    assert response.json()["detail"] == [
        {
            "loc": ["query", name],
            "msg": "must be given at most once",
            "type": "value_error",
            "input": ["prog-a", "prog-b"],
        }
    ]


async def test_the_export_holds_everything_stored_about_the_person(
    client: httpx.AsyncClient,
) -> None:
    profile = await created(client, name="Ada")

    response = await client.get(f"/profiles/{profile['id']}/export")

    assert response.status_code == 200
    exported = response.json()
    assert exported["profile"] == profile
    assert set(exported) == {"profile", "last_ingress_at", "seen_event_ids", "pending_events"}


async def test_keys_and_scopes_are_enforced_and_health_is_open(app: FastAPI) -> None:
    async with (
        http_client(app, key=None) as anonymous,
        http_client(app, key="not-a-configured-key") as stranger,
        http_client(app, key="reader-key-0001") as reader,
        http_client(app, key="writer-key-0001") as writer,
    ):
        profile = (await writer.post("/profiles", json=body())).json()
        url = f"/profiles/{profile['id']}"

        assert (await anonymous.get(url)).status_code == 401
        assert (await stranger.get(url)).status_code == 401
        assert (await reader.get(url)).status_code == 200
        assert (await reader.patch(url, json={"name": "X"})).status_code == 403
        assert (await reader.delete(url)).status_code == 403
        assert (await writer.get(f"{url}/export")).status_code == 403
        assert (await anonymous.get("/health/live")).status_code == 200
        assert (await anonymous.get("/health/ready")).json()["checks"] == {
            "store": True,
            "broker": True,
        }
        assert (await anonymous.get("/metrics")).status_code == 200


async def test_requests_are_counted_by_route_and_status(client: httpx.AsyncClient) -> None:
    await client.get("/profiles/nobody-at-all")

    metrics = (await client.get("/metrics")).text

    assert 'route="/profiles/{profile_id}",status="404"' in metrics
    assert "nobody-at-all" not in metrics


async def test_the_correlation_id_is_returned_or_made(client: httpx.AsyncClient) -> None:
    given = await client.get("/health/live", headers={"X-Correlation-ID": "trace-42"})
    made = await client.get("/health/live")

    assert given.headers["x-correlation-id"] == "trace-42"
    assert len(made.headers["x-correlation-id"]) == 32


async def test_the_openapi_document_is_served_with_the_docs(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()

    assert (await client.get("/docs")).status_code == 200
    assert {"/profiles", "/profiles/{profile_id}", "/profiles/{profile_id}/export"} <= set(
        spec["paths"]
    )
    assert spec["components"]["securitySchemes"]["APIKeyHeader"]["name"] == "X-API-Key"
