"""The pairing routes: which decisions fit which state, who may answer, what gets published,
and which keys see contact data."""

from types import SimpleNamespace

import httpx
import pytest
from fastapi import FastAPI

from services.matcher.adapters import api
from services.matcher.core.lifecycle import PairingState
from shared.auth import Scope, protect
from shared.commands import RespondToPairing
from tests.builders.matcher import answer, pairing
from tests.fakes.matcher import FakePairings
from tests.helpers import asgi_client


class Sent:
    def __init__(self) -> None:
        self.commands: list[RespondToPairing] = []

    async def __call__(self, command: RespondToPairing) -> None:
        self.commands.append(command)


PORTAL, READER, ADMIN = "portal-key-0001", "reader-key-0001", "admin-key-0001"
KEYS = {
    PORTAL: frozenset({Scope.RESPOND}),
    READER: frozenset({Scope.READ}),
    ADMIN: frozenset({Scope.ADMIN}),
}
CONTACT = {"name", "email", "availability", "timezone"}


async def client_with(state: PairingState, key: str = PORTAL) -> tuple[httpx.AsyncClient, Sent]:
    pairings, sent = FakePairings(), Sent()
    await pairings.create(pairing("pr-1").model_copy(update={"state": state}), answer("pr-1", "x"))
    app = FastAPI()
    app.state.runtime = SimpleNamespace(pairings=pairings, send_answer=sent)
    protect(app, KEYS)
    api.install(app)
    client = asgi_client(app, base_url="http://matcher")
    client.headers["X-API-Key"] = key
    return client, sent


@pytest.mark.parametrize(
    ("state", "decision", "code"),
    [
        (PairingState.PROPOSED, "accept", 202),
        (PairingState.ACCEPTED, "decline", 202),
        (PairingState.ACTIVE, "accept", 409),
        (PairingState.ACTIVE, "decline", 409),
        (PairingState.ACTIVE, "end", 202),
        (PairingState.PROPOSED, "end", 409),
        (PairingState.ACCEPTED, "end", 409),
        (PairingState.ENDED, "end", 409),
        (PairingState.DECLINED, "accept", 409),
    ],
)
async def test_a_decision_is_published_only_when_it_fits_the_pairings_state(
    state: PairingState, decision: str, code: int
) -> None:
    client, sent = await client_with(state)
    async with client:
        body = {"person_id": "old", "decision": decision}
        response = await client.post("/pairings/pr-1/responses", json=body)

    assert response.status_code == code
    published = [(c.data.pairing_id, c.data.person_id, c.data.decision) for c in sent.commands]
    assert published == ([("pr-1", "old", decision)] if code == 202 else [])


async def test_the_end_route_publishes_an_end_decision() -> None:
    client, sent = await client_with(PairingState.ACTIVE)
    async with client:
        response = await client.post("/pairings/pr-1/end", json={"person_id": "young"})

    assert response.status_code == 202
    [command] = sent.commands
    assert (command.data.person_id, command.data.decision) == ("young", "end")
    assert response.json() == {"event_id": str(command.event_id)}


@pytest.mark.parametrize("route", ["/pairings/pr-1/end", "/pairings/pr-1/responses"])
async def test_someone_outside_the_pairing_cannot_end_it(route: str) -> None:
    client, sent = await client_with(PairingState.ACTIVE)
    async with client:
        response = await client.post(route, json={"person_id": "stranger", "decision": "end"})
        missing = await client.post("/pairings/pr-404/end", json={"person_id": "old"})

    assert (response.status_code, missing.status_code) == (422, 404)
    assert sent.commands == []


async def test_only_an_admin_key_sees_contact_data() -> None:
    client, _ = await client_with(PairingState.PROPOSED, key=ADMIN)
    async with client:
        full = (await client.get("/pairings/pr-1")).json()
        client.headers["X-API-Key"] = READER
        redacted = (await client.get("/pairings/pr-1")).json()
        listed = (await client.get("/pairings")).json()

    assert full["view"] == "full" and set(full["younger"]) | set(full["older"]) >= CONTACT
    assert full["explanation"]["summary"]
    assert redacted["view"] == "redacted"
    assert (redacted["younger"], redacted["older"]) == ({"id": "young"}, {"id": "old"})
    assert "summary" not in redacted["explanation"] and "reason" not in redacted
    assert redacted["explanation"]["younger_teaches"] == full["explanation"]["younger_teaches"]
    assert listed == [redacted]
    assert full["younger"]["email"] not in str(redacted)


async def test_reading_and_answering_are_separate_scopes() -> None:
    client, sent = await client_with(PairingState.PROPOSED, key=READER)
    async with client:
        answered = await client.post(
            "/pairings/pr-1/responses", json={"person_id": "old", "decision": "accept"}
        )
        client.headers["X-API-Key"] = PORTAL
        read = await client.get("/pairings/pr-1")

    assert (answered.status_code, read.status_code) == (403, 403)
    assert answered.json()["detail"] == "this key lacks the respond scope"
    assert sent.commands == []
