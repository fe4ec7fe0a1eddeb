"""The answer pages: `GET /answers/{token}` shows, `POST /answers/{token}` answers.

The signed token is the authorisation: whoever holds the link may give the one answer it names,
for the one person it names. A GET changes nothing (mail gateways prefetch links); a POST sends
the answer through the same use case as `POST /pairings/{id}/responses`. Each outcome is a page
in the link's language with a fitting status: 400 for a link that was not issued here, 403 for
one this pairing did not issue, 404 for an unknown pairing, 409 when the pairing moved on,
410 once it expired, 503 while the store is down. A check-in link shows and sends the check-in
form instead (`checkin_routes`).
"""

from urllib.parse import parse_qs

from fastapi import APIRouter, Request, status
from fastapi.responses import HTMLResponse

from services.matcher.adapters.answer_page import Kind, Page, render
from services.matcher.adapters.checkin_page import CheckinPage, render_checkin
from services.matcher.adapters.checkin_routes import checkin_page
from services.matcher.adapters.context import RuntimeDep
from services.matcher.core.errors import NotAnswerable, PairingNotFound
from services.matcher.usecases.links import LinkView, Standing, answer_link, open_link
from shared.answer_links import PAGE_HEADERS, AnswerClaims, BadLink, ExpiredLink
from shared.errors import StoreUnavailable

MAX_FORM_BYTES = 4096
MAX_REASON = 200
_STATUS: dict[Kind, int] = {
    "ask": status.HTTP_200_OK,
    "sent": status.HTTP_200_OK,
    "recorded": status.HTTP_200_OK,
    "closed": status.HTTP_409_CONFLICT,
    "foreign": status.HTTP_403_FORBIDDEN,
    "invalid": status.HTTP_400_BAD_REQUEST,
    "expired": status.HTTP_410_GONE,
    "missing": status.HTTP_404_NOT_FOUND,
    "unavailable": status.HTTP_503_SERVICE_UNAVAILABLE,
}
router = APIRouter(tags=["answers"])


@router.get("/answers/{token}", response_class=HTMLResponse)
async def show(token: str, request: Request, runtime: RuntimeDep) -> HTMLResponse:
    """The page a link opens: who the partner is and one button. Changes nothing."""
    return await _page(token, request, runtime, answer=False)


@router.post("/answers/{token}", response_class=HTMLResponse)
async def answer(token: str, request: Request, runtime: RuntimeDep) -> HTMLResponse:
    """The button: records the link's answer (a form field `reason` for a decline)."""
    return await _page(token, request, runtime, answer=True)


async def _page(token: str, request: Request, runtime: RuntimeDep, *, answer: bool) -> HTMLResponse:
    links = runtime.answer_links
    try:
        if links is None:
            raise BadLink("no answer links here")
        claims = links.read(token, now=runtime.clock())
    except BadLink:
        return _respond(Page(kind="invalid"))
    except ExpiredLink as expired:
        return _respond(_about(expired.claims, "expired"))
    try:
        if claims.action == "checkin":
            now = runtime.clock()
            page = await checkin_page(claims, request, runtime, answer=answer, now=now)
            return _respond_checkin(page)
        if answer:
            reason = await _reason(request)
            view = await answer_link(runtime.pairings, runtime.send_answer, claims, reason=reason)
        else:
            view = await open_link(runtime.pairings, claims)
    except PairingNotFound:
        return _respond(_about(claims, "missing"))
    except NotAnswerable:  # the pairing moved on between reading and checking again
        return _respond(_about(claims, "closed"))
    except StoreUnavailable:
        return _respond(_about(claims, "unavailable"))
    return _respond(_view_page(view, form_action=request.url.path))


def _view_page(view: LinkView, *, form_action: str) -> Page:
    kinds: dict[Standing, Kind] = {
        Standing.OPEN: "ask",
        Standing.SENT: "sent",
        Standing.RECORDED: "recorded",
        Standing.CLOSED: "closed",
        Standing.FOREIGN: "foreign",
    }
    kind = kinds[view.standing]
    if kind == "foreign":
        return _about(view.claims, kind)
    record, me = view.record, view.claims.person_id
    explanation = record.explanation
    mine, theirs = explanation.younger_teaches, explanation.older_teaches
    partner = record.older if me == record.younger.id else record.younger
    if me != record.younger.id:
        mine, theirs = theirs, mine
    return Page(
        kind=kind,
        language=view.claims.language,
        action=view.claims.action,
        partner=partner.name,
        you_teach=tuple(mine),
        partner_teaches=tuple(theirs),
        state=record.state.value,
        form_action=form_action,
        partner_accepted=partner.id in record.accepted_by,
    )


def _about(claims: AnswerClaims, kind: Kind) -> Page:
    return Page(kind=kind, language=claims.language, action=claims.action)


async def _reason(request: Request) -> str | None:
    """The optional reason from the form: one printable line, at most 200 characters."""
    raw = b""
    async for chunk in request.stream():
        raw += chunk
        if len(raw) >= MAX_FORM_BYTES:
            break
    body = raw[:MAX_FORM_BYTES].decode("utf-8", errors="replace")
    given = parse_qs(body).get("reason", [""])[0]
    text = " ".join("".join(c if c.isprintable() else " " for c in given).split())
    return text[:MAX_REASON].strip() or None


def _respond_checkin(page: CheckinPage) -> HTMLResponse:
    status_code = status.HTTP_422_UNPROCESSABLE_CONTENT if page.empty else _STATUS[page.kind]
    return HTMLResponse(render_checkin(page), status_code=status_code, headers=PAGE_HEADERS)


def _respond(page: Page) -> HTMLResponse:
    return HTMLResponse(render(page), status_code=_STATUS[page.kind], headers=PAGE_HEADERS)
