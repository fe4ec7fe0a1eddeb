"""The answer pages behind the email links: a visit shows, only the button answers, and a link
that is not current (tampered, expired, foreign, answered, out of date) changes nothing."""

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from fastapi import FastAPI
from hypothesis import given, settings
from hypothesis import strategies as st

from services.matcher.adapters import answer_routes
from services.matcher.adapters.answer_page import Page, render
from services.matcher.core.lifecycle import PairingState
from shared.answer_links import Action, AnswerClaims, AnswerLinks
from shared.commands import RespondToPairing
from shared.errors import StoreUnavailable
from tests.builders.matcher import answer, pairing
from tests.fakes.matcher import FakePairings
from tests.helpers import asgi_client

LINKS = AnswerLinks(["unit-test-key-0123456789"], base_url="http://matcher")
FOREIGN = AnswerLinks(["another-deployment-key-42"], base_url="http://elsewhere")
SOON = datetime.now(UTC) + timedelta(days=3)


class Sent:
    def __init__(self) -> None:
        self.commands: list[RespondToPairing] = []

    async def __call__(self, command: RespondToPairing) -> None:
        self.commands.append(command)


class DownPairings(FakePairings):
    async def get(self, pairing_id: str) -> Any:
        raise StoreUnavailable("down")


async def app_with(
    state: PairingState = PairingState.PROPOSED,
    *,
    sequence: int = 0,
    accepted_by: tuple[str, ...] = (),
    reason: str | None = None,
    pairings: FakePairings | None = None,
    links: AnswerLinks | None = LINKS,
) -> tuple[httpx.AsyncClient, Sent]:
    pairings, sent = pairings or FakePairings(), Sent()
    update = {"state": state, "sequence": sequence, "accepted_by": list(accepted_by)}
    record = pairing("pr-1").model_copy(update=update | {"reason": reason})
    await pairings.create(record, answer("pr-1", "x"))
    app = FastAPI()
    app.state.runtime = SimpleNamespace(
        pairings=pairings, send_answer=sent, answer_links=links, clock=lambda: datetime.now(UTC)
    )
    app.include_router(answer_routes.router)
    return asgi_client(app, base_url="http://matcher"), sent


def link(action: Action = "accept", **overrides: Any) -> str:
    base: dict[str, Any] = {
        "pairing_id": "pr-1",
        "person_id": "old",
        "action": action,
        "sequence": 0,
        "language": "en",
        "expires_at": SOON,
    }
    return f"/answers/{LINKS.token(AnswerClaims(**(base | overrides)))}"


VALID_TOKEN = link()[len("/answers/") :]


def decisions(sent: Sent) -> list[tuple[str, str, str | None]]:
    return [(c.data.person_id, c.data.decision, c.data.reason) for c in sent.commands]


async def test_opening_a_link_shows_the_partner_and_one_button_and_changes_nothing() -> None:
    client, sent = await app_with()
    async with client:
        response = await client.get(link())

    assert response.status_code == 200
    assert "Yuki" in response.text  # the partner of "old"
    assert "social media" in response.text and "leadership" in response.text
    assert response.text.count("<button") == 1
    assert response.headers["referrer-policy"] == "no-referrer"
    assert sent.commands == []


async def test_a_german_link_names_the_vocabulary_skills_in_german() -> None:
    client, _ = await app_with()
    async with client:
        response = await client.get(link(language="de"))

    assert response.status_code == 200
    assert "Social Media" in response.text and "Führung" in response.text
    assert "leadership" not in response.text


def test_the_page_names_skills_in_its_language_and_keeps_extras_as_written() -> None:
    page = Page(
        kind="ask",
        action="accept",
        partner="Robert",
        you_teach=("ai_tools", "Works Council Relations"),
        partner_teaches=("strategy", "public speaking"),
    )

    german = render(replace(page, language="de"))
    english = render(page)

    assert "KI-Werkzeuge, Works Council Relations" in german
    assert "Strategie, freies Sprechen" in german
    assert "ai tools, Works Council Relations" in english and "strategy, public speaking" in english


async def test_pressing_the_button_sends_the_answer_through_the_lifecycle() -> None:
    client, sent = await app_with()
    async with client:
        response = await client.post(link())

    assert response.status_code == 200
    assert "acceptance is recorded" in response.text
    assert decisions(sent) == [("old", "accept", None)]


async def test_a_decline_carries_the_reason_from_the_form_as_one_line() -> None:
    client, sent = await app_with()
    async with client:
        page = await client.get(link("decline"))
        response = await client.post(link("decline"), data={"reason": "no time\nthis quarter"})

    assert 'name="reason"' in page.text
    assert response.status_code == 200
    assert decisions(sent) == [("old", "decline", "no time this quarter")]


async def test_the_end_link_ends_an_active_pairing() -> None:
    client, sent = await app_with(PairingState.ACTIVE, sequence=2, accepted_by=("old", "young"))
    async with client:
        response = await client.post(link("end", sequence=2))

    assert response.status_code == 200
    assert decisions(sent) == [("old", "end", None)]


@pytest.mark.parametrize(
    ("state", "sequence", "accepted_by", "reason", "action"),
    [
        (PairingState.ACCEPTED, 1, ("old",), None, "accept"),
        (PairingState.ACTIVE, 2, ("old", "young"), None, "accept"),
        (PairingState.DECLINED, 1, (), "declined by old", "decline"),
        (PairingState.ENDED, 3, ("old", "young"), "ended by old", "end"),
    ],
)
async def test_answering_again_says_already_recorded_and_changes_nothing(
    state: PairingState,
    sequence: int,
    accepted_by: tuple[str, ...],
    reason: str | None,
    action: Action,
) -> None:
    client, sent = await app_with(state, sequence=sequence, accepted_by=accepted_by, reason=reason)
    token_sequence = 2 if action == "end" else 0
    async with client:
        response = await client.post(link(action, sequence=token_sequence))

    assert (response.status_code, "already recorded" in response.text) == (200, True)
    assert sent.commands == []


@pytest.mark.parametrize(
    ("state", "sequence", "accepted_by", "action", "token_sequence"),
    [
        (PairingState.DECLINED, 1, (), "accept", 0),  # the partner declined
        (PairingState.EXPIRED, 1, (), "decline", 0),
        (PairingState.ACTIVE, 2, ("old", "young"), "decline", 0),
        (PairingState.ACCEPTED, 1, ("young",), "end", 0),  # not active yet
        (PairingState.ACCEPTED, 1, ("young",), "accept", 1),  # not this phase's sequence
    ],
)
async def test_a_link_the_pairing_has_moved_past_changes_nothing(
    state: PairingState,
    sequence: int,
    accepted_by: tuple[str, ...],
    action: Action,
    token_sequence: int,
) -> None:
    client, sent = await app_with(state, sequence=sequence, accepted_by=accepted_by)
    async with client:
        response = await client.post(link(action, sequence=token_sequence))

    assert response.status_code == 409
    assert "no longer awaits" in response.text
    assert sent.commands == []


async def test_the_partner_can_still_accept_after_one_side_did() -> None:
    client, sent = await app_with(PairingState.ACCEPTED, sequence=1, accepted_by=("young",))
    async with client:
        response = await client.post(link("accept", sequence=0))

    assert response.status_code == 200
    assert "Yuki accepted too, so the pairing starts" in response.text
    assert decisions(sent) == [("old", "accept", None)]


@pytest.mark.parametrize(
    ("path", "code", "words"),
    [
        (link()[:-3] + "abc", 400, "not valid"),  # tampered
        ("/answers/not-a-token", 400, "not valid"),
        (link(expires_at=datetime.now(UTC) - timedelta(seconds=1)), 410, "expired"),
        (link(person_id="stranger"), 403, "own email"),  # for someone outside the pairing
        (link(sequence=5), 403, "own email"),  # a sequence the pairing never had
        (link(pairing_id="pr-404"), 404, "does not exist"),
        (
            f"/answers/{FOREIGN.token(AnswerClaims('pr-1', 'old', 'accept', 0, 'en', SOON))}",
            400,
            "not valid",
        ),
    ],
)
async def test_a_link_not_issued_for_this_answer_gets_a_clear_page_and_changes_nothing(
    path: str, code: int, words: str
) -> None:
    client, sent = await app_with()
    async with client:
        shown, pressed = await client.get(path), await client.post(path)

    assert (shown.status_code, pressed.status_code) == (code, code)
    assert words in shown.text and words in pressed.text
    assert sent.commands == []


async def test_without_keys_configured_every_link_is_not_valid() -> None:
    client, sent = await app_with(links=None)
    async with client:
        response = await client.post(link())

    assert response.status_code == 400
    assert sent.commands == []


async def test_a_store_outage_asks_to_try_again() -> None:
    client, _ = await app_with(pairings=DownPairings())
    async with client:
        response = await client.get(link())

    assert response.status_code == 503
    assert "try again" in response.text


async def test_the_page_speaks_the_links_language() -> None:
    client, _ = await app_with()
    async with client:
        response = await client.get(link(language="de"))

    assert '<html lang="de">' in response.text
    assert "Tandem annehmen" in response.text


def test_names_and_skills_are_escaped() -> None:
    page = render(
        Page(
            kind="ask",
            action="accept",
            partner="<script>alert(1)</script>",
            you_teach=('<img src="x">',),
        )
    )

    assert "<script>" not in page and "<img" not in page
    assert "&lt;script&gt;" in page


_MUTATED = st.builds(
    lambda at, char: VALID_TOKEN[:at] + char + VALID_TOKEN[at + 1 :],
    st.integers(0, 250),
    st.characters(codec="ascii"),
)


@settings(max_examples=150, deadline=None)
@given(
    token=st.one_of(st.text(min_size=1, max_size=300), _MUTATED),
    method=st.sampled_from(["GET", "POST"]),
    form=st.binary(max_size=300),
)
def test_no_token_and_no_form_makes_the_pages_fail(token: str, method: str, form: bytes) -> None:
    async def visit() -> tuple[int, Sent]:
        client, sent = await app_with()
        async with client:
            response = await client.request(
                method, f"/answers/{quote(token, safe='')}", content=form
            )
        return response.status_code, sent

    code, sent = asyncio.run(visit())

    assert code < 500
    assert all((c.data.person_id, c.data.decision) == ("old", "accept") for c in sent.commands)
