"""The check-in answer page behind `/answers/{token}` for a `checkin` link (`answer_routes`
reads the token and hands over): GET shows the form, with the current answer or the one-click
choice of the email (`?met=yes`, `?usefulness=4`, `?learned=<skill>`: unsigned, it only fills
in the form) chosen; POST sends the form's answer to the program's owner. The page also links to
asking for a new partner while the pairing is active.
"""

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from urllib.parse import parse_qs

from fastapi import Request

from services.matcher.adapters.answer_page import Kind
from services.matcher.adapters.checkin_page import MET, CheckinPage
from services.matcher.adapters.context import Runtime
from services.matcher.core.lifecycle import PairingState
from services.matcher.usecases.answers import find_pairing
from services.matcher.usecases.checkin_links import (
    CheckinView,
    Said,
    answer_checkin,
    open_checkin,
    partner_teaches,
)
from services.matcher.usecases.links import Standing
from shared.answer_links import AnswerClaims
from shared.checkins import CheckinAnswer, Met

MAX_FORM_BYTES = 8192
MAX_TEXT = 200
_KINDS: dict[Standing, Kind] = {
    Standing.OPEN: "ask",
    Standing.SENT: "sent",
    Standing.RECORDED: "recorded",
    Standing.CLOSED: "closed",
    Standing.FOREIGN: "foreign",
}


async def checkin_page(
    claims: AnswerClaims, request: Request, runtime: Runtime, *, answer: bool, now: datetime
) -> CheckinPage:
    """Raises what `open_checkin` raises (`PairingNotFound`, `StoreUnavailable`)."""
    pairings, answers = runtime.pairings, runtime.checkin_answers
    if not answer:
        view = await open_checkin(pairings, answers, claims)
        return _page(runtime, view, request, _chosen(view.current, request.query_params, view))
    record = await find_pairing(pairings, claims.pairing_id)
    said = _said(await _form(request), partner_teaches(record, claims.person_id))
    view = await answer_checkin(pairings, answers, runtime.forward, claims, said, now=now)
    page = _page(runtime, view, request, said)
    return replace(page, empty=True) if view.standing is Standing.OPEN and said.empty else page


def _page(runtime: Runtime, view: CheckinView, request: Request, chosen: Said) -> CheckinPage:
    record, claims = view.record, view.claims
    partner = record.older if claims.person_id == record.younger.id else record.younger
    return CheckinPage(
        kind=_KINDS[view.standing],
        language=claims.language,
        partner=partner.name if view.standing is not Standing.FOREIGN else "",
        choices=tuple(partner_teaches(record, claims.person_id)),
        chosen=chosen,
        form_action=request.url.path,
        had_answer=view.current is not None,
        rematch_url=_rematch_url(runtime, view),
        state=record.state.value,
    )


def _rematch_url(runtime: Runtime, view: CheckinView) -> str | None:
    links, record = runtime.answer_links, view.record
    if (
        links is None
        or view.standing is Standing.FOREIGN
        or record.state is not PairingState.ACTIVE
    ):
        return None
    claims = replace(view.claims, action="rematch", sequence=record.sequence, checkin_id=None)
    return links.url(claims)


def _chosen(current: CheckinAnswer | None, query: Mapping[str, str], view: CheckinView) -> Said:
    """The current answer, with the link's one preselected value laid over it."""
    said = (
        Said()
        if current is None
        else Said(current.met, tuple(current.learned), current.learned_text, current.usefulness)
    )
    choices = partner_teaches(view.record, view.claims.person_id)
    picked = _said({key: [value] for key, value in query.items()}, choices)
    return Said(
        met=picked.met or said.met,
        learned=tuple(dict.fromkeys((*said.learned, *picked.learned))),
        learned_text=said.learned_text,
        usefulness=picked.usefulness or said.usefulness,
    )


def _said(form: Mapping[str, list[str]], choices: list[str]) -> Said:
    met = next((m for m in form.get("met", []) if m in MET), None)
    learned = tuple(skill for skill in dict.fromkeys(form.get("learned", [])) if skill in choices)
    text = " ".join(
        "".join(c if c.isprintable() else " " for c in _one(form, "learned_text")).split()
    )
    rating = _one(form, "usefulness")
    usefulness = int(rating) if rating in {"1", "2", "3", "4", "5"} else None
    return Said(_met(met), learned, text[:MAX_TEXT].strip() or None, usefulness)


_MET: dict[str, Met] = {"yes": "yes", "not_yet": "not_yet", "stopped": "stopped"}


def _met(value: str | None) -> Met | None:
    return _MET.get(value or "")


def _one(form: Mapping[str, list[str]], key: str) -> str:
    values = form.get(key) or [""]
    return values[0]


async def _form(request: Request) -> dict[str, list[str]]:
    raw = b""
    async for chunk in request.stream():
        raw += chunk
        if len(raw) >= MAX_FORM_BYTES:
            break
    return parse_qs(raw[:MAX_FORM_BYTES].decode("utf-8", errors="replace"))
