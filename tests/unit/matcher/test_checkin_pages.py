"""The check-in page behind a `checkin` link: a visit shows the three questions with the email's
one-click choice (or the current answer) filled in and sends nothing; the form's answer goes to
the program's owner, checked; a link for a pairing that no longer takes answers changes
nothing."""

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import httpx
from fastapi import FastAPI

from services.matcher.adapters import answer_routes
from services.matcher.core.lifecycle import PairingState
from services.matcher.usecases.work import CheckinGiven, MatchWork
from shared.answer_links import AnswerClaims, AnswerLinks
from shared.checkins import CheckinAnswer
from tests.builders.matcher import answer, pairing
from tests.fakes.matcher import FakeAnswerStore, FakePairings
from tests.helpers import asgi_client

LINKS = AnswerLinks(["unit-test-key-0123456789"], base_url="http://matcher")
NOW = datetime.now(UTC)


class Forwarded:
    def __init__(self) -> None:
        self.work: list[MatchWork] = []

    async def __call__(self, work: MatchWork) -> None:
        self.work.append(work)

    def replies(self) -> list[dict[str, Any]]:
        items = [w.data.item for w in self.work]
        return [
            i.reply.model_dump(exclude={"answered_at"})
            for i in items
            if isinstance(i, CheckinGiven)
        ]


async def app_with(
    state: PairingState = PairingState.ACTIVE, answers: FakeAnswerStore | None = None
) -> tuple[httpx.AsyncClient, Forwarded]:
    pairings, forwarded = FakePairings(), Forwarded()
    record = pairing("pr-1").model_copy(update={"state": state, "sequence": 2})
    await pairings.create(record, answer("pr-1", "x"))
    app = FastAPI()
    app.state.runtime = SimpleNamespace(
        pairings=pairings,
        checkin_answers=answers or FakeAnswerStore(),
        forward=forwarded,
        answer_links=LINKS,
        clock=lambda: NOW,
    )
    app.include_router(answer_routes.router)
    return asgi_client(app, base_url="http://matcher"), forwarded


def link(person: str = "young", language: str = "en") -> str:
    claims = AnswerClaims(
        "pr-1", person, "checkin", 2, language, NOW + timedelta(days=14), "mid-program"
    )
    return f"/answers/{LINKS.token(claims)}"


async def test_opening_shows_the_three_questions_with_the_one_click_choice_and_sends_nothing() -> (
    None
):
    client, forwarded = await app_with()
    async with client:
        shown = await client.get(f"{link()}?met=not_yet")

    assert shown.status_code == 200
    assert shown.text.count('type="radio" name="met"') == 3
    assert 'value="not_yet" checked' in shown.text
    assert 'value="leadership"' in shown.text  # what Olga teaches the younger one
    assert shown.text.count('name="usefulness"') == 5
    assert 'id="rematch"' in shown.text  # the pairing is active: a new partner may be asked for
    assert forwarded.work == []


async def test_a_german_link_asks_in_german_with_the_current_answer_filled_in() -> None:
    answers = FakeAnswerStore()
    await answers.record(
        CheckinAnswer(
            pairing_id="pr-1",
            program_id="prog-a",
            checkin_id="mid-program",
            person_id="old",
            role="older",
            usefulness=3,
            answered_at=NOW,
            revision=1,
        )
    )
    client, _ = await app_with(answers=answers)
    async with client:
        shown = await client.get(link("old", "de"))

    assert "Haben Sie sich getroffen?" in shown.text
    assert 'value="3" checked' in shown.text
    assert 'value="social_media"' in shown.text and "Social Media" in shown.text


async def test_the_form_sends_the_checked_answer_to_the_owner() -> None:
    client, forwarded = await app_with()
    form = {
        "met": "yes",
        "learned": ["leadership", "not-a-skill-of-the-partner"],
        "learned_text": "how a\\x00 board thinks",
        "usefulness": "9",
    }
    async with client:
        sent = await client.post(link(), data=form)

    assert sent.status_code == 200 and "recorded" in sent.text
    [reply] = forwarded.replies()
    assert (reply["met"], reply["learned"], reply["usefulness"]) == ("yes", ["leadership"], None)
    assert reply["person_id"] == "young" and reply["checkin_id"] == "mid-program"


async def test_an_empty_form_is_asked_again_and_sends_nothing() -> None:
    client, forwarded = await app_with()
    async with client:
        sent = await client.post(link(), data={})

    assert sent.status_code == 422 and "at least one question" in sent.text
    assert forwarded.work == []


async def test_a_cancelled_pairing_takes_no_check_in_answer() -> None:
    client, forwarded = await app_with(PairingState.CANCELLED)
    async with client:
        sent = await client.post(link(), data={"met": "yes"})

    assert sent.status_code == 409
    assert forwarded.work == []
