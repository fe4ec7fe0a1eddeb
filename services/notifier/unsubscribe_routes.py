"""One-click unsubscribe from reminders (RFC 8058): `POST /unsubscribe/{token}` unsubscribes,
`GET /unsubscribe/{token}` shows a page with the button that does.

The signed token is the authority (no API key): it names the one person it unsubscribes. A mail
client posts `List-Unsubscribe=One-Click` to the link of the `List-Unsubscribe` header; any POST
with a valid token counts, whatever its body, and a repeat changes nothing. A GET changes nothing
(mail gateways fetch links to scan them). 400 for a link not issued here, 503 while the store is
down.
"""

from typing import Annotated

from fastapi import APIRouter, Depends, Request, status
from fastapi.responses import HTMLResponse

from services.notifier.runtime import Runtime, current
from services.notifier.unsubscribe import Unsubscriber
from services.notifier.unsubscribe_page import Kind, render
from shared.answer_links import PAGE_HEADERS, BadLink
from shared.errors import StoreUnavailable

_STATUS: dict[Kind, int] = {
    "ask": status.HTTP_200_OK,
    "done": status.HTTP_200_OK,
    "invalid": status.HTTP_400_BAD_REQUEST,
    "unavailable": status.HTTP_503_SERVICE_UNAVAILABLE,
}


def _runtime(request: Request) -> Runtime:
    return current(request.app)


RuntimeDep = Annotated[Runtime, Depends(_runtime)]
router = APIRouter(tags=["unsubscribe"])


@router.get("/unsubscribe/{token}", response_class=HTMLResponse)
async def show(token: str, request: Request, runtime: RuntimeDep) -> HTMLResponse:
    """The page the link opens: what unsubscribing means, and the button. Changes nothing."""
    person = _read(token, runtime)
    if person is None:
        return _page("invalid", "en")
    return _page("ask", person.language, form_action=request.url.path)


@router.post("/unsubscribe/{token}", response_class=HTMLResponse)
async def unsubscribe(token: str, runtime: RuntimeDep) -> HTMLResponse:
    """One click: the link's person gets no more reminders and nudges."""
    person = _read(token, runtime)
    if person is None:
        return _page("invalid", "en")
    try:
        await runtime.store.unsubscribe(person.person_id, at=runtime.clock())
    except StoreUnavailable:
        return _page("unavailable", person.language)
    return _page("done", person.language)


def _read(token: str, runtime: Runtime) -> Unsubscriber | None:
    try:
        if runtime.unsubscribe is None:
            raise BadLink("no unsubscribe links here")
        return runtime.unsubscribe.read(token)
    except BadLink:
        return None


def _page(kind: Kind, language: str, *, form_action: str = "") -> HTMLResponse:
    body = render(kind, language=language, form_action=form_action)
    return HTMLResponse(body, status_code=_STATUS[kind], headers=PAGE_HEADERS)
