"""People answer from their inbox: a real browser opens the links of delivered emails (`.eml`
files from the SMTP sink), sees the page, presses the button, and the pairing changes (seen on the
pairings topic and through the matcher's API)."""

from typing import Any

import pytest
from selenium.webdriver.remote.webdriver import WebDriver

from deploy.processes import System
from shared.events import PairingActivated, PairingCancelled
from tests.e2e.browser import message, press, screenshot
from tests.e2e.inbox import Inbox
from tests.helpers import eventually

pytestmark = pytest.mark.e2e

YOUNG = {"vocabulary": ["social_media", "ai_tools"]}
OLD = {"vocabulary": ["strategy", "leadership"]}


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
