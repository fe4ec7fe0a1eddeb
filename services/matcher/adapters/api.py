"""The matcher's HTTP API: pairings for operators, answers from people (health and metrics are
`shared.health`'s).

Routes call the use cases with what `RuntimeDep` gives them, and show a view of a pairing chosen
for the API (`views`), never the storage record itself. Scopes: reading pairings needs `read`
(contact data only with `admin`); answering, which acts for a person, needs `respond` (or
`admin`): `write` is about profiles, and grants no answers.
"""

from typing import Annotated

from fastapi import APIRouter, FastAPI, Query, Request, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from services.matcher.adapters import report_api, rounds_api
from services.matcher.adapters.context import RuntimeDep
from services.matcher.adapters.views import PairingView, view_of
from services.matcher.core.errors import NotAnswerable, NotAParticipant, PairingNotFound
from services.matcher.core.lifecycle import PairingState
from services.matcher.usecases.answers import answer_pairing, find_pairing
from shared.auth import AUTH_RESPONSES, CallerScopes, CanRead, CanRespond
from shared.commands import Decision, PairingAnswer
from shared.errors import StoreUnavailable
from shared.profile import Identifier, Text


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


router = APIRouter(tags=["pairings"], responses=AUTH_RESPONSES)


@router.get("/pairings", dependencies=[CanRead])
async def list_pairings(
    runtime: RuntimeDep,
    caller: CallerScopes,
    program_id: Identifier | None = None,
    person_id: Identifier | None = None,
    state: PairingState | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[PairingView]:
    """Pairings matching the filters; with contact data only for an `admin` key."""
    found = await runtime.pairings.find(
        program_id=program_id, person_id=person_id, state=state, limit=limit
    )
    return [view_of(record, caller) for record in found]


@router.get("/pairings/{pairing_id}", dependencies=[CanRead])
async def get_pairing(
    pairing_id: Identifier, runtime: RuntimeDep, caller: CallerScopes
) -> PairingView:
    """One pairing; with contact data only for an `admin` key."""
    return view_of(await find_pairing(runtime.pairings, pairing_id), caller)


@router.post(
    "/pairings/{pairing_id}/responses",
    status_code=status.HTTP_202_ACCEPTED,
    dependencies=[CanRespond],
)
async def respond(pairing_id: Identifier, body: AnswerIn, runtime: RuntimeDep) -> AnswerAccepted:
    """Publish the answer to the pairing-response topic; the pairing changes shortly after.
    409 when the decision does not fit the pairing's state (accept or decline once it no longer
    awaits answers, end unless it is active)."""
    answer = PairingAnswer(pairing_id=pairing_id, **body.model_dump())
    command = await answer_pairing(runtime.pairings, runtime.send_answer, answer)
    return AnswerAccepted(event_id=str(command.event_id))


@router.post(
    "/pairings/{pairing_id}/end", status_code=status.HTTP_202_ACCEPTED, dependencies=[CanRespond]
)
async def end(pairing_id: Identifier, body: EndIn, runtime: RuntimeDep) -> AnswerAccepted:
    """The same as answering `end`: one of the two people ends their active pairing."""
    answer = PairingAnswer(pairing_id=pairing_id, decision="end", **body.model_dump())
    command = await answer_pairing(runtime.pairings, runtime.send_answer, answer)
    return AnswerAccepted(event_id=str(command.event_id))


_ERRORS: dict[type[Exception], tuple[int, str]] = {
    PairingNotFound: (status.HTTP_404_NOT_FOUND, "no such pairing"),
    NotAParticipant: (status.HTTP_422_UNPROCESSABLE_CONTENT, "not part of this pairing"),
    StoreUnavailable: (status.HTTP_503_SERVICE_UNAVAILABLE, "store unavailable"),
}


def install(app: FastAPI) -> None:
    """Routes, and the named errors as HTTP answers: the store being down is 503 (try again)."""

    async def answered(_: Request, error: Exception) -> JSONResponse:
        if isinstance(error, NotAnswerable):
            code, detail = status.HTTP_409_CONFLICT, f"the pairing is {error}"
        else:
            code, detail = _ERRORS[type(error)]
        return JSONResponse({"detail": detail}, status_code=code)

    app.include_router(router)
    app.include_router(rounds_api.router)
    app.include_router(report_api.router)
    for error in (*_ERRORS, NotAnswerable):
        app.add_exception_handler(error, answered)
