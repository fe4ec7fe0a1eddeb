"""The matcher's HTTP API: pairings for operators, answers from people (health and metrics are
`shared.health`'s)."""

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query, Request, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from services.matcher.core.lifecycle import ANSWERABLE, PairingState
from services.matcher.usecases.ports import PairingRecord, PairingStore
from shared.commands import Decision, PairingAnswer, RespondToPairing
from shared.mongo import StoreUnavailable
from shared.profile import Identifier, Text

SendAnswer = Callable[[RespondToPairing], Awaitable[None]]


def _pairings(request: Request) -> PairingStore:
    store: PairingStore = request.app.state.services.pairings
    return store


def _send_answer(request: Request) -> SendAnswer:
    send: SendAnswer = request.app.state.send_answer
    return send


PairingsDep = Annotated[PairingStore, Depends(_pairings)]
SendAnswerDep = Annotated[SendAnswer, Depends(_send_answer)]


class EndIn(BaseModel):
    """A participant ends an active pairing (the body of POST /pairings/{id}/end)."""

    person_id: Identifier
    reason: Text | None = None


class AnswerIn(EndIn):
    """A person's answer (the body of POST /pairings/{id}/responses): accept or decline a
    proposal, or end an active pairing."""

    decision: Decision


class AnswerAccepted(BaseModel):
    event_id: str = Field(description="The id of the RespondToPairing command published.")


router = APIRouter()


@router.get("/pairings", response_model=list[PairingRecord])
async def list_pairings(
    pairings: PairingsDep,
    program_id: Identifier | None = None,
    person_id: Identifier | None = None,
    state: PairingState | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[PairingRecord]:
    return await pairings.find(program_id=program_id, person_id=person_id, state=state, limit=limit)


@router.get("/pairings/{pairing_id}", response_model=PairingRecord)
async def get_pairing(pairing_id: Identifier, pairings: PairingsDep) -> PairingRecord:
    record = await pairings.get(pairing_id)
    if record is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such pairing")
    return record


@router.post(
    "/pairings/{pairing_id}/responses",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=AnswerAccepted,
)
async def respond(
    pairing_id: Identifier, body: AnswerIn, pairings: PairingsDep, send: SendAnswerDep
) -> AnswerAccepted:
    """Publish the answer to the pairing-response topic; the pairing changes shortly after.
    409 when the decision does not fit the pairing's state (accept or decline once it no longer
    awaits answers, end unless it is active)."""
    record = await get_pairing(pairing_id, pairings)
    if body.person_id not in (record.younger.id, record.older.id):
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "not part of this pairing")
    if record.state not in ANSWERABLE[body.decision]:
        raise HTTPException(status.HTTP_409_CONFLICT, f"the pairing is {record.state.value}")
    answer = PairingAnswer(pairing_id=pairing_id, **body.model_dump())
    command = RespondToPairing(producer="matcher-api", data=answer)
    await send(command)
    return AnswerAccepted(event_id=str(command.event_id))


@router.post(
    "/pairings/{pairing_id}/end",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=AnswerAccepted,
)
async def end(
    pairing_id: Identifier, body: EndIn, pairings: PairingsDep, send: SendAnswerDep
) -> AnswerAccepted:
    """The same as answering `end`: one of the two people ends their active pairing."""
    answer = AnswerIn(decision="end", **body.model_dump())
    return await respond(pairing_id, answer, pairings, send)


def install(app: FastAPI) -> None:
    """Routes, plus the store being down answered as 503 (try again) rather than 500."""

    async def unavailable(_: Request, __: Exception) -> JSONResponse:
        return JSONResponse({"detail": "store unavailable"}, status_code=503)

    app.include_router(router)
    app.add_exception_handler(StoreUnavailable, unavailable)
