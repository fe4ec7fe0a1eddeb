"""People answer from their inbox: a real browser opens the links of delivered emails (`.eml`
files from the SMTP sink), sees the page, presses the button, and the pairing changes (seen on the
pairings topic and through the matcher's API)."""

import asyncio
import email
import re
from collections.abc import AsyncIterator, Iterator
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
import pytest
from selenium.webdriver.remote.webdriver import WebDriver

from deploy import ops
from deploy.processes import System, SystemConfig
from shared.answer_links import AnswerLinks
from shared.envelope import utc_now
from shared.events import PairingActivated, PairingCancelled, PairingEvent
from shared.kafka import ensure_topics
from shared.topics import Topics
from tests.builders.profiles import profile_fields
from tests.e2e.browser import chromium, message, press, screenshot
from tests.helpers import eventually, free_port

pytestmark = pytest.mark.e2e

YOUNG = {"vocabulary": ["social_media", "ai_tools"]}
OLD = {"vocabulary": ["strategy", "leadership"]}
LINK = re.compile(r"http://127\.0\.0\.1:\d+/answers/[A-Za-z0-9_.\-]+")


@pytest.fixture(scope="module")
async def system(
    kafka_bootstrap: str, mongo_uri: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[System]:
    run = tmp_path_factory.mktemp("answers")
    config = SystemConfig(
        kafka_bootstrap_servers=kafka_bootstrap,
        mongodb_uri=mongo_uri,
        log_dir=run / "logs",
        mail_dir=run / "mail",
        topic_prefix=f"e2e{run.name}.",
        database_prefix=f"e2e{run.name.replace('-', '')}_",
        smtp_port=free_port(),
        ports={name: free_port() for name in ("profiles", "matcher", "notifier")},
        extra_env={"MATCHER_BATCH_WINDOW_MS": "100"},
    )
    await ensure_topics(kafka_bootstrap, Topics(prefix=config.topic_prefix), partitions=3)
    running = System(config)
    try:
        await asyncio.to_thread(running.start)
        yield running
    finally:
        await asyncio.to_thread(running.stop)


@pytest.fixture(scope="module")
def browser() -> Iterator[WebDriver]:
    with chromium() as running:
        yield running


class Inbox:
    """One program's people, their delivered emails, and the links in them."""

    def __init__(self, system: System, unique: str) -> None:
        self.system, self.program = system, f"prog-{unique}"
        self.links = AnswerLinks([system.config.answer_link_key], base_url="")

    def client(self, service: str) -> httpx.AsyncClient:
        headers = {"X-API-Key": self.system.config.api_key}
        return httpx.AsyncClient(base_url=self.system.config.url(service), headers=headers)

    async def add(self, name: str, year: int, offers: Any, wants: Any, languages: list[str]) -> str:
        fields = profile_fields(
            program_id=self.program,
            name=name,
            email=f"{name.lower()}.{self.program}@example.org",
            birth_year=year,
            languages=languages,
            skills_offered=offers,
            skills_wanted=wants,
            department=f"dept-{name}",
        )
        async with self.client("profiles") as client:
            response = await client.post("/profiles", json=fields.model_dump(mode="json"))
        response.raise_for_status()
        return str(response.json()["id"])

    def emails(self, name: str) -> list[EmailMessage]:
        address = f"{name.lower()}.{self.program}@example.org"
        found = []
        for path in sorted(Path(self.system.config.mail_dir).glob(f"*-{address}.eml")):
            parsed = email.message_from_bytes(path.read_bytes(), policy=policy.default)
            assert isinstance(parsed, EmailMessage)
            found.append(parsed)
        return found

    async def link(self, name: str, action: str) -> str:
        """The `action` link in the newest email to `name` that has one (waits for it)."""

        def find() -> str | None:
            for mail in reversed(self.emails(name)):
                body = mail.get_body(preferencelist=("plain",))
                assert body is not None
                for url in LINK.findall(body.get_content()):
                    if self.links.read(url.rsplit("/", 1)[1], now=utc_now()).action == action:
                        return str(url)
            return None

        found: str = await eventually(find, within=60)
        return found

    async def history(self) -> list[PairingEvent]:
        topics = Topics(prefix=self.system.config.topic_prefix)
        everything = await ops.pairing_histories(
            self.system.config.kafka_bootstrap_servers, topics.pairings
        )
        ours = [e for e in everything.values() if e[0].data.program_id == self.program]
        assert len(ours) <= 1
        return ours[0] if ours else []

    async def state(self, pairing_id: str) -> str:
        async with self.client("matcher") as client:
            response = await client.get(f"/pairings/{pairing_id}")
        return str(response.json()["state"])


async def test_both_accept_from_their_inbox_then_one_ends_it(
    system: System, browser: WebDriver, unique: str
) -> None:
    inbox = Inbox(system, unique)
    await inbox.add("Mia", 1999, YOUNG, OLD, ["de", "en"])
    await inbox.add("Otto", 1958, OLD, YOUNG, ["en"])
    [proposed] = await eventually(inbox.history, within=90)
    pairing_id = proposed.data.pairing_id

    browser.get(await inbox.link("Mia", "accept"))
    assert "Otto" in browser.page_source and "Tandem annehmen" in browser.page_source
    screenshot(browser, "answer-page-de.png")
    assert "Zusage ist gespeichert" in press(browser)
    await eventually(lambda: _is(inbox.state(pairing_id), "accepted"), within=60)

    browser.get(await inbox.link("Mia", "accept"))  # the same link again: already recorded
    assert "bereits gespeichert" in message(browser)

    browser.get(await inbox.link("Otto", "accept"))
    assert "Mia" in browser.page_source and "strategy" in browser.page_source
    screenshot(browser, "answer-page-en.png")
    press(browser)
    history = await eventually(lambda: _longer(inbox.history(), 1), within=60)
    assert isinstance(history[1], PairingActivated)

    browser.get(await inbox.link("Otto", "end"))
    assert "ended" in press(browser)
    history = await eventually(lambda: _longer(inbox.history(), 2), within=60)
    assert isinstance(history[2], PairingCancelled)
    assert (history[2].data.reason_code, history[2].data.reason) == (
        "ended",
        f"ended by {proposed.data.older.id}",
    )
    assert await eventually(lambda: len(inbox.emails("Mia")) == 3, within=60)


async def test_a_decline_from_the_inbox_carries_the_reason(
    system: System, browser: WebDriver, unique: str
) -> None:
    inbox = Inbox(system, unique)
    noah = await inbox.add("Noah", 2000, YOUNG, OLD, ["en"])
    await inbox.add("Greta", 1961, OLD, YOUNG, ["en"])
    await eventually(inbox.history, within=90)

    browser.get(await inbox.link("Noah", "decline"))
    assert "Greta" in browser.page_source
    assert "declined" in press(browser, reason="No time this quarter")

    history = await eventually(lambda: _longer(inbox.history(), 1), within=60)
    cancelled = history[1]
    assert isinstance(cancelled, PairingCancelled)
    assert cancelled.data.reason_code == "declined"
    assert cancelled.data.reason == f"declined by {noah}: No time this quarter"


async def _is(pending: Any, expected: str) -> bool:
    return bool(await pending == expected)


async def _longer(pending: Any, length: int) -> Any:
    events = await pending
    return events if len(events) > length else None
