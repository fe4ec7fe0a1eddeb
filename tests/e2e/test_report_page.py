"""The program report as a lead sees it: `rmp report` writes the page of a running system's
program, and headless Chromium opens it from the file (no network: the page must hold
everything). Every chart is there and drawn; the screenshot is kept under `.local/artefacts/`."""

import asyncio

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from typer.testing import CliRunner

from deploy.cli import app as cli
from deploy.processes import System
from tests.e2e.browser import ARTEFACTS, at_default, screenshot, show_at
from tests.e2e.inbox import Inbox
from tests.helpers import eventually

pytestmark = pytest.mark.e2e

YOUNG = {"vocabulary": ["social_media", "ai_tools"]}
OLD = {"vocabulary": ["strategy", "leadership"]}
CHARTS = 11


async def test_the_report_page_opens_in_a_browser_with_every_chart_drawn(
    system: System, browser: WebDriver, unique: str
) -> None:
    inbox = Inbox(system, unique)
    await inbox.add("Mia", 1999, YOUNG, OLD, ["en"])
    await inbox.add("Walter", 1961, OLD, YOUNG, ["en"])
    await inbox.add("Ines", 1994, YOUNG, OLD, ["fi"])
    await eventually(lambda: inbox.emails("Mia"), within=120)
    await eventually(lambda: enrolled(inbox, 3), within=60)  # Ines may come after the pair
    page = ARTEFACTS / "report.html"
    page.parent.mkdir(parents=True, exist_ok=True)
    env = {"RMP_MATCHER_URL": system.config.url("matcher"), "RMP_API_KEY": system.config.api_key}
    args = ["report", inbox.program, "--out", str(page)]

    result = await asyncio.to_thread(CliRunner().invoke, cli, args, env=env)

    assert result.exit_code == 0, result.output
    try:
        show_at(browser, page.as_uri(), width=1100, phone=False)
        figures = browser.find_elements(By.CSS_SELECTOR, "figure")
        sizes = [f.find_element(By.TAG_NAME, "svg").size for f in figures]
        drawn = [len(f.find_elements(By.CSS_SELECTOR, "svg path")) for f in figures]
        numbers = browser.find_element(By.CSS_SELECTOR, ".numbers").text
        screenshot(browser, "report.png")
    finally:
        at_default(browser)
    assert len(figures) == CHARTS
    assert all(s["width"] > 200 and s["height"] > 80 for s in sizes), sizes
    assert all(n > 10 for n in drawn), drawn
    shown = numbers.splitlines()
    assert shown[:4] == ["3", "people enrolled", "1", "pairings proposed"]


async def enrolled(inbox: Inbox, people: int) -> bool:
    """Whether the matcher holds this many people of the inbox's program (each person reaches
    it on its own key, so one who is not paired may come after the pair's emails)."""
    async with inbox.client("matcher") as client:
        found = await client.get(f"/programs/{inbox.program}/report")
    return bool(found.json()["enrolment"]["people"] == people)
