"""Unsubscribing from reminders over HTTP (RFC 8058): the token is the authority, a GET only
shows, a POST (what a mail client's one click sends) stores the preference."""

from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
from faststream.kafka import TestKafkaBroker
from pydantic import SecretStr

from services.notifier.app import create_app
from services.notifier.settings import NotifierSettings
from services.notifier.unsubscribe import UnsubscribeLinks
from shared.answer_links import AnswerClaims, AnswerLinks
from tests.builders.notifier import BEFORE_EU_DST
from tests.fakes.notifier import FakeMailer, FakeStore

KEY = "unit-test-key-0123456789"
SETTINGS = NotifierSettings(
    smtp_security="none",
    answer_link_keys=[SecretStr(KEY)],
    public_base_url="https://mail.example.org",
)
ONE_CLICK = {"Content-Type": "application/x-www-form-urlencoded"}


@dataclass
class Running:
    client: httpx.AsyncClient
    store: FakeStore
    links: UnsubscribeLinks


@pytest.fixture
async def running() -> AsyncIterator[Running]:
    store = FakeStore()
    app = create_app(SETTINGS, store=store, mailer=FakeMailer(), clock=lambda: BEFORE_EU_DST)
    transport = httpx.ASGITransport(app)
    async with (
        TestKafkaBroker(app.state.broker),
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="https://mail.example.org") as client,
    ):
        links = SETTINGS.unsubscribe_links()
        assert links is not None
        yield Running(client, store, links)


def path(url: str) -> str:
    return url.removeprefix("https://mail.example.org")


async def test_one_click_post_unsubscribes_the_person_the_link_names(running: Running) -> None:
    url = running.links.url("p-robert", "en")

    first = await running.client.post(
        path(url), content="List-Unsubscribe=One-Click", headers=ONE_CLICK
    )
    again = await running.client.post(
        path(url), content="List-Unsubscribe=One-Click", headers=ONE_CLICK
    )

    assert (first.status_code, again.status_code) == (200, 200)
    assert "no more reminders" in first.text
    assert running.store.unsubscribed_at == {"p-robert": BEFORE_EU_DST}
    assert first.headers["referrer-policy"] == "no-referrer"


async def test_opening_the_link_only_shows_the_button_in_the_links_language(
    running: Running,
) -> None:
    url = running.links.url("p-jana", "de")

    page = await running.client.get(path(url))

    assert page.status_code == 200
    assert 'lang="de"' in page.text and "Erinnerungen abbestellen" in page.text
    assert f'action="{path(url)}"' in page.text
    assert 'name="List-Unsubscribe" value="One-Click"' in page.text
    assert running.store.unsubscribed_at == {}


@pytest.mark.parametrize("method", ["GET", "POST"])
async def test_a_link_not_issued_here_changes_nothing(running: Running, method: str) -> None:
    forged = UnsubscribeLinks(["another-key-0123456789"], base_url="https://x").url("p-1", "en")
    claims = AnswerClaims("pr-1", "p-1", "accept", 0, "en", BEFORE_EU_DST)
    answer = AnswerLinks([KEY], base_url="https://x").token(claims)  # the same keys, another kind
    paths = [f"/unsubscribe/{forged.rsplit('/', 1)[1]}", f"/unsubscribe/{answer}"]

    codes = [(await running.client.request(method, p)).status_code for p in paths]

    assert codes == [400, 400]
    assert running.store.unsubscribed_at == {}


async def test_without_keys_there_is_nothing_to_unsubscribe_with() -> None:
    store = FakeStore()
    app = create_app(NotifierSettings(smtp_security="none"), store=store, mailer=FakeMailer())
    token = UnsubscribeLinks([KEY], base_url="https://x").url("p-1", "en").rsplit("/", 1)[1]
    async with (
        TestKafkaBroker(app.state.broker),
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="https://t") as client,
    ):
        response = await client.post(f"/unsubscribe/{token}")

    assert response.status_code == 400 and store.unsubscribed_at == {}
