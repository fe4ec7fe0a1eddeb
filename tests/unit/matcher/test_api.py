"""The answer routes: which decisions fit which state, who may answer, and what gets published."""

from types import SimpleNamespace

import httpx
import pytest
from fastapi import FastAPI

from services.matcher.adapters import api
from services.matcher.core.lifecycle import PairingState
from shared.commands import RespondToPairing
from tests.builders.matcher import answer, pairing
from tests.fakes.matcher import FakePairings
from tests.helpers import asgi_client


class Sent:
    def __init__(self) -> None:
        self.commands: list[RespondToPairing] = []

    async def __call__(self, command: RespondToPairing) -> None:
        self.commands.append(command)


async def client_with(state: PairingState) -> tuple[httpx.AsyncClient, Sent]:
    pairings, sent = FakePairings(), Sent()
    await pairings.create(pairing("pr-1").model_copy(update={"state": state}), answer("pr-1", "x"))
    app = FastAPI()
    app.state.runtime = SimpleNamespace(pairings=pairings, send_answer=sent)
    api.install(app)
    return asgi_client(app, base_url="http://matcher"), sent


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
